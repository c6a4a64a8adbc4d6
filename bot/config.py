"""Settings: read once from the environment, validated, then passed down.

Nothing reads the environment at import time; `Settings.from_env` is called by
the CLI, and tests build `Settings` directly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.core.followup import WEEKDAYS, weekday_number
from bot.errors import ConfigError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PAGERDUTY_API_URL = "https://api.pagerduty.com"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_DATABASE_URL = "sqlite:///postmortem.db"
DEFAULT_KEY_REACTION = "pushpin"
# Every environment variable the bot reads; `demo` strips them all from its child bot.
SETTING_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "TOKEN_ENCRYPTION_KEY",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PAGERDUTY_WEBHOOK_SECRET",
    "PAGERDUTY_API_TOKEN",
    "PAGERDUTY_API_URL",
    "PROMETHEUS_URL",
    "PROMETHEUS_QUERIES",
    "GRAFANA_URL",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_WEBHOOK_SECRET",
    "JIRA_URL",
    "JIRA_EMAIL",
    "JIRA_API_TOKEN",
    "JIRA_PROJECT",
    "JIRA_WEBHOOK_SECRET",
    "TRACKER_SYNC_MINUTES",
    "DELIVERY_RETENTION_DAYS",
    "ALERTMANAGER_WEBHOOK_TOKEN",
    "TEMPLATES_DIR",
    "PORT",
    "PUBLIC_URL",
    "KEY_REACTION",
    "REMINDER_WEEKDAY",
    "REMINDER_HOUR",
    "REPORT_ANNOUNCE_CHANNEL",
    "POSTMORTEM_ADMINS",
    "LOG_LEVEL",
    "INBOX_WORKERS",
    "INBOX_LEASE_SECONDS",
    "SHUTDOWN_GRACE_SECONDS",
    "WORKER_NAME",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Shown as [redacted] by repr(Settings); the password in DATABASE_URL is hidden too.
_SECRETS = frozenset(
    {
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_secret",
        "token_encryption_key",
        "pagerduty_webhook_secret",
        "pagerduty_api_token",
        "github_token",
        "github_webhook_secret",
        "jira_api_token",
        "jira_webhook_secret",
        "alertmanager_webhook_token",
    }
)
# Slack emoji names: lower-case letters, digits, and - _ + ' (skin tones as ::skin-tone-2).
_EMOJI_NAME = re.compile(r"[a-z0-9_+'-]+(::skin-tone-[2-6])?")


@dataclass(frozen=True, repr=False)
class Settings:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    # Fernet key(s), newest first, encrypting the OAuth installs' tokens in the database.
    token_encryption_key: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    pagerduty_webhook_secret: str | None = None
    pagerduty_api_token: str | None = None
    pagerduty_api_url: str = DEFAULT_PAGERDUTY_API_URL
    # The incident's metrics (issue 17): Prometheus' API, the TOML file of charts to draw
    # (`bot.prometheus.queries`), and Grafana for "open in Grafana" links.
    prometheus_url: str | None = None
    prometheus_queries: Path | None = None
    grafana_url: str | None = None
    # GitHub Issues for action items (issue 16): the token, where new issues go, the webhook.
    github_token: str | None = None
    github_api_url: str = DEFAULT_GITHUB_API_URL
    github_repository: str | None = None  # owner/name
    github_webhook_secret: str | None = None
    # Jira Cloud for action items (issue 16): the site, basic auth, the default project, the webhook.
    jira_url: str | None = None  # https://<site>.atlassian.net
    jira_email: str | None = None
    jira_api_token: str | None = None
    jira_project: str | None = None  # a project key, OPS
    # How often each ticket's status is asked of its tracker, for trackers whose webhook
    # cannot reach the bot (0: never; safe beside the webhooks).
    tracker_sync_minutes: int = 30
    # How old a claim on filing one item's ticket must be before another process takes it
    # over as left by a dead one: longer than one tracker call (`bot.services.tickets`).
    ticket_filing_stale_seconds: int = 120
    # How long delivery ids are kept to tell retries by (`bot.jobs.prune_deliveries`).
    delivery_retention_days: int = 7
    jira_webhook_secret: str | None = None
    # The bearer token Alertmanager sends to POST /alertmanager/webhook (issue 17).
    alertmanager_webhook_token: str | None = None
    templates_dir: Path | None = None
    port: int = 3000
    key_reaction: str = DEFAULT_KEY_REACTION
    reminder_weekday: int = 0  # Monday; digests go out on this weekday in each owner's timezone
    reminder_hour: int = 9
    public_url: str | None = None  # where people reach the bot's pages; see `public_base_url`
    report_announce_channel: str | None = None
    # User ids who may publish, share, revoke and change any post-mortem (README "Who may do what").
    postmortem_admins: frozenset[str] = frozenset()
    log_level: str = "INFO"
    inbox_workers: int = 4  # threads processing the inbox (what was answered, done after)
    # How long a claim on an inbox item holds unrenewed: a dead replica's work waits that long.
    inbox_lease_seconds: float = 60.0
    shutdown_grace_seconds: float = 20.0  # how long a stop waits for the work in progress
    worker_name: str | None = None  # the inbox claims' owner; see `inbox_worker_name`

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, env_file: str = ".env"
    ) -> Settings:
        """Build settings from `environ` (default: the process environment over `.env`)."""
        if environ is None:
            environ = {**_read_env_file(env_file), **os.environ}
        return cls(
            slack_bot_token=_optional(environ, "SLACK_BOT_TOKEN"),
            slack_signing_secret=_optional(environ, "SLACK_SIGNING_SECRET"),
            slack_app_token=_optional(environ, "SLACK_APP_TOKEN"),
            slack_client_id=_optional(environ, "SLACK_CLIENT_ID"),
            slack_client_secret=_optional(environ, "SLACK_CLIENT_SECRET"),
            token_encryption_key=_token_encryption_key(environ),
            slack_api_url=_url(
                environ, "SLACK_API_URL", DEFAULT_SLACK_API_URL, trailing_slash=True
            ),
            database_url=_database_url(environ),
            pagerduty_webhook_secret=_optional(environ, "PAGERDUTY_WEBHOOK_SECRET"),
            pagerduty_api_token=_optional(environ, "PAGERDUTY_API_TOKEN"),
            pagerduty_api_url=_url(environ, "PAGERDUTY_API_URL", DEFAULT_PAGERDUTY_API_URL),
            prometheus_url=_optional_url(environ, "PROMETHEUS_URL"),
            prometheus_queries=_file(environ, "PROMETHEUS_QUERIES"),
            grafana_url=_optional_url(environ, "GRAFANA_URL"),
            github_token=_optional(environ, "GITHUB_TOKEN"),
            github_api_url=_url(environ, "GITHUB_API_URL", DEFAULT_GITHUB_API_URL),
            github_repository=_github_repository(environ),
            github_webhook_secret=_optional(environ, "GITHUB_WEBHOOK_SECRET"),
            jira_url=_url(environ, "JIRA_URL", "") if _optional(environ, "JIRA_URL") else None,
            jira_email=_optional(environ, "JIRA_EMAIL"),
            jira_api_token=_optional(environ, "JIRA_API_TOKEN"),
            jira_project=_jira_project(environ),
            tracker_sync_minutes=_tracker_sync_minutes(environ),
            ticket_filing_stale_seconds=_ticket_filing_stale_seconds(environ),
            delivery_retention_days=_delivery_retention_days(environ),
            jira_webhook_secret=_optional(environ, "JIRA_WEBHOOK_SECRET"),
            alertmanager_webhook_token=_optional(environ, "ALERTMANAGER_WEBHOOK_TOKEN"),
            templates_dir=_directory(environ, "TEMPLATES_DIR"),
            port=_port(environ),
            key_reaction=_key_reaction(environ),
            reminder_weekday=_reminder_weekday(environ),
            reminder_hour=_reminder_hour(environ),
            public_url=_public_url(environ),
            report_announce_channel=_channel_id(environ, "REPORT_ANNOUNCE_CHANNEL"),
            postmortem_admins=_user_ids(environ, "POSTMORTEM_ADMINS"),
            log_level=_log_level(environ),
            inbox_workers=_inbox_workers(environ),
            inbox_lease_seconds=_inbox_lease(environ),
            shutdown_grace_seconds=_shutdown_grace(environ),
            worker_name=_worker_name(environ),
        )

    def __repr__(self) -> str:
        """Every field, but never a secret: logs and tracebacks may show settings."""
        shown = []
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in _SECRETS and value is not None:
                value = "[redacted]"
            elif item.name == "database_url":
                value = _without_password(value)
            shown.append(f"{item.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth(self) -> bool:
        return self.slack_client_id is not None

    @property
    def public_base_url(self) -> str:
        """The base of links to the bot's pages (`PUBLIC_URL`, else this host and port)."""
        return self.public_url or f"http://localhost:{self.port}"

    def inbox_worker_name(self, host: str) -> str:
        """WORKER_NAME, else `host:PORT`: the same after a restart, so the new process takes
        back at once what the old one held, and never two live processes' (one port each)."""
        return self.worker_name or f"{host}:{self.port}"

    @property
    def pagerduty_webhook_secrets(self) -> tuple[str, ...]:
        """Several secrets, comma-separated, let a rotation overlap."""
        if not self.pagerduty_webhook_secret:
            return ()
        return tuple(s.strip() for s in self.pagerduty_webhook_secret.split(",") if s.strip())

    def require_token_encryption_key(self) -> str:
        """TOKEN_ENCRYPTION_KEY, which OAuth mode needs: it encrypts each workspace's token
        in the database."""
        if not self.token_encryption_key:
            from storage.secrets import GENERATE_KEY

            raise ConfigError(
                "TOKEN_ENCRYPTION_KEY",
                "missing; OAuth (SLACK_CLIENT_ID) needs it to encrypt the workspaces' tokens "
                f"in the database: make a key with {GENERATE_KEY}",
            )
        return self.token_encryption_key

    def check_for_serving(self) -> None:
        """Raise ConfigError naming the first setting `serve` cannot run without."""
        _check_token("SLACK_APP_TOKEN", self.slack_app_token, "xapp-")
        _check_token("SLACK_BOT_TOKEN", self.slack_bot_token, "xoxb-")
        if self.oauth:
            if not self.slack_client_secret:
                raise ConfigError("SLACK_CLIENT_SECRET", "required when SLACK_CLIENT_ID is set")
            self.require_token_encryption_key()
        elif not self.slack_bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN",
                "missing; set the bot token (xoxb-…) or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET",
            )
        if not self.socket_mode and not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET",
                "missing; required unless SLACK_APP_TOKEN selects Socket Mode",
            )


def forget_environment(environ: MutableMapping[str, str] = os.environ) -> None:
    """Take the bot's settings out of the process environment once `Settings` holds them.

    Settings (which also reads `.env`) is their one reader. Bolt would read some again
    behind its back: it falls back to SLACK_BOT_TOKEN and then warns that the token
    "will be unused" beside the client `build_app` gives it, and it switches to OAuth
    on SLACK_CLIENT_ID/SLACK_CLIENT_SECRET. Gone from the environment, they are also
    not inherited by anything the bot starts.
    """
    for name in SETTING_NAMES:
        environ.pop(name, None)


def _read_env_file(path: str) -> dict[str, str]:
    if not Path(path).is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _github_repository(environ: Mapping[str, str]) -> str | None:
    value = _optional(environ, "GITHUB_REPOSITORY")
    if value is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", value):
        raise ConfigError("GITHUB_REPOSITORY", "should be owner/name")
    return value


def _jira_project(environ: Mapping[str, str]) -> str | None:
    value = _optional(environ, "JIRA_PROJECT")
    if value is not None and not re.fullmatch(r"[A-Z][A-Z0-9_]{1,9}", value):
        raise ConfigError("JIRA_PROJECT", "should be a project key, like OPS")
    return value


def _optional(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _check_token(name: str, value: str | None, prefix: str) -> None:
    if value is not None and not value.startswith(prefix):
        raise ConfigError(name, f"should start with {prefix!r}")


def _url(
    environ: Mapping[str, str], name: str, default: str, *, trailing_slash: bool = False
) -> str:
    value = _optional(environ, name) or default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(name, f"{value!r} is not an http(s) URL")
    if trailing_slash and not value.endswith("/"):
        value += "/"
    return value.rstrip("/") if not trailing_slash else value


def _optional_url(environ: Mapping[str, str], name: str) -> str | None:
    return _url(environ, name, "") if _optional(environ, name) else None


def _file(environ: Mapping[str, str], name: str) -> Path | None:
    value = _optional(environ, name)
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(name, f"{value!r} is not a file")
    return path


def _database_url(environ: Mapping[str, str]) -> str:
    value = _optional(environ, "DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError("DATABASE_URL", f"{value!r} is not a SQLAlchemy URL") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("DATABASE_URL", "only sqlite:/// and postgresql+psycopg:// are supported")
    return value


def _directory(environ: Mapping[str, str], name: str) -> Path | None:
    value = _optional(environ, name)
    if value is None:
        return None
    path = Path(value)
    if not path.is_dir():
        raise ConfigError(name, f"{value!r} is not a directory")
    return path


def _port(environ: Mapping[str, str]) -> int:
    value = _optional(environ, "PORT") or "3000"
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError("PORT", f"{value!r} is not a port number (1-65535)")
    return int(value)


def _key_reaction(environ: Mapping[str, str]) -> str:
    """The emoji that marks a message as key; `:pushpin:` and `pushpin` both work."""
    value = (_optional(environ, "KEY_REACTION") or DEFAULT_KEY_REACTION).strip(":").lower()
    if not _EMOJI_NAME.fullmatch(value):
        raise ConfigError("KEY_REACTION", f"{value!r} is not an emoji name like pushpin or star")
    return value


def _reminder_weekday(environ: Mapping[str, str]) -> int:
    value = _optional(environ, "REMINDER_WEEKDAY") or "monday"
    try:
        return weekday_number(value)
    except ValueError:
        raise ConfigError(
            "REMINDER_WEEKDAY", f"{value!r} is not a weekday; use {', '.join(WEEKDAYS)}"
        ) from None


def _reminder_hour(environ: Mapping[str, str]) -> int:
    value = _optional(environ, "REMINDER_HOUR") or "9"
    if not value.isdigit() or not 0 <= int(value) <= 23:
        raise ConfigError("REMINDER_HOUR", f"{value!r} is not an hour of the day (0-23)")
    return int(value)


def _public_url(environ: Mapping[str, str]) -> str | None:
    return _url(environ, "PUBLIC_URL", "") if _optional(environ, "PUBLIC_URL") else None


def _log_level(environ: Mapping[str, str]) -> str:
    value = _optional(environ, "LOG_LEVEL") or "INFO"
    if value.upper() not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"{value!r} is not a log level; use {', '.join(LOG_LEVELS)}")
    return value.upper()


def _token_encryption_key(environ: Mapping[str, str]) -> str | None:
    """One Fernet key, or several comma-separated (newest first) during a rotation."""
    value = _optional(environ, "TOKEN_ENCRYPTION_KEY")
    if value is None:
        return None
    from storage.secrets import parse_keys  # cryptography only for those who use it

    try:
        keys = parse_keys(value)
    except ValueError as error:
        raise ConfigError("TOKEN_ENCRYPTION_KEY", str(error)) from None
    return ",".join(key.decode() for key in keys)


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "[redacted]"


def _channel_id(environ: Mapping[str, str], name: str) -> str | None:
    """A channel id (C…/G…): chat.update needs the id, a #name would break re-publishing."""
    value = _optional(environ, name)
    if value is not None and not re.fullmatch(r"[CG][A-Z0-9]{2,}", value):
        raise ConfigError(name, f"{value!r} is not a channel id; use the id (C…), not the name")
    return value


def _user_ids(environ: Mapping[str, str], name: str) -> frozenset[str]:
    """Comma-separated Slack user ids (U…/W…); a name or a group would never match anyone."""
    ids = [part.strip() for part in (_optional(environ, name) or "").split(",") if part.strip()]
    for value in ids:
        if not re.fullmatch(r"[UW][A-Z0-9]{2,31}", value):
            raise ConfigError(name, f"{value!r} is not a Slack user id (U…); list ids, not names")
    return frozenset(ids)


def _inbox_workers(environ: Mapping[str, str]) -> int:
    value = _optional(environ, "INBOX_WORKERS") or "4"
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise ConfigError("INBOX_WORKERS", f"{value!r} is not a number of threads (1-64)")
    return int(value)


def _tracker_sync_minutes(environ: Mapping[str, str]) -> int:
    value = _optional(environ, "TRACKER_SYNC_MINUTES") or "30"
    if not value.isdigit() or not 0 <= int(value) <= 1440:
        raise ConfigError(
            "TRACKER_SYNC_MINUTES", f"{value!r} is not a number of minutes (0 for never, to 1440)"
        )
    return int(value)


def _ticket_filing_stale_seconds(environ: Mapping[str, str]) -> int:
    value = _optional(environ, "TICKET_FILING_STALE_SECONDS") or "120"
    if not value.isdigit() or not 1 <= int(value) <= 3600:
        raise ConfigError(
            "TICKET_FILING_STALE_SECONDS", f"{value!r} is not a number of seconds (1-3600)"
        )
    return int(value)


def _delivery_retention_days(environ: Mapping[str, str]) -> int:
    """At least a day: PagerDuty retries a webhook for hours, Slack an event for minutes,
    and a delivery id pruned before its last retry would be applied twice."""
    value = _optional(environ, "DELIVERY_RETENTION_DAYS") or "7"
    if not value.isdigit() or not 1 <= int(value) <= 3650:
        raise ConfigError("DELIVERY_RETENTION_DAYS", f"{value!r} is not a number of days (1-3650)")
    return int(value)


def _inbox_lease(environ: Mapping[str, str]) -> float:
    value = _optional(environ, "INBOX_LEASE_SECONDS") or "60"
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 3 <= seconds <= 3600:
        raise ConfigError("INBOX_LEASE_SECONDS", f"{value!r} is not a number of seconds (3-3600)")
    return seconds


def _shutdown_grace(environ: Mapping[str, str]) -> float:
    value = _optional(environ, "SHUTDOWN_GRACE_SECONDS") or "20"
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ConfigError(
            "SHUTDOWN_GRACE_SECONDS", f"{value!r} is not a number of seconds (0-3600)"
        )
    return seconds


def _worker_name(environ: Mapping[str, str]) -> str | None:
    value = _optional(environ, "WORKER_NAME")
    if value is not None and (len(value) > 120 or not value.isprintable()):
        raise ConfigError(
            "WORKER_NAME", "use a short name, such as the pod's (120 characters at most)"
        )
    return value
