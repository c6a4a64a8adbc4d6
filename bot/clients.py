"""The outbound clients, all built here: `build_clients` is the one composition root.

`serve` and `remind` build one `Clients` per process. Listeners and flows reach it
through `bot.flows.deps.Deps.clients`, jobs through their context's `clients`; no
flow or job builds a client of its own. Tests hand `build_clients` an httpx
`transport` (an `httpx.MockTransport`, say) that every httpx-based client uses.
Slack's WebClient does not use httpx: it is pointed at `SLACK_API_URL` and given its
retry handlers instead (the sandbox stands in for Slack that way).

To add an integration (a ticket tracker, a metrics source): add a module implementing a
small protocol, like `bot/pagerduty/client.py`; add a field to `Clients`; build it in
`build_clients`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import httpx
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.github.client import GitHubClient
from bot.jira.client import JiraClient
from bot.pagerduty.client import PagerDutyClient
from bot.prometheus import queries
from bot.prometheus.client import PrometheusClient
from storage.repositories import installations
from storage.secrets import TokenCipher


@dataclass(frozen=True)
class Clients:
    """Every outside service the bot calls. A client whose settings are missing is None,
    and what would have used it records the gap instead."""

    slack: WebClient
    # PAGERDUTY_API_TOKEN unset: no REST backfill, the timeline says PagerDuty is not configured.
    pagerduty: PagerDutyClient | None
    # GITHUB_TOKEN unset: no GitHub issues for action items (a `bot.trackers.base.Tracker`).
    github: GitHubClient | None = None
    # JIRA_URL, JIRA_EMAIL or JIRA_API_TOKEN unset: no Jira issues for action items.
    jira: JiraClient | None = None
    # PROMETHEUS_URL unset: no metrics or ALERTS history; the report says so when
    # PROMETHEUS_QUERIES names charts.
    prometheus: PrometheusClient | None = None

    def close(self) -> None:
        """Close the connection pools (httpx); the Slack client holds none."""
        if self.pagerduty is not None:
            self.pagerduty.close()
        if self.github is not None:
            self.github.close()
        if self.jira is not None:
            self.jira.close()
        if self.prometheus is not None:
            self.prometheus.close()


def build_clients(
    settings: Settings,
    *,
    transport: httpx.BaseTransport | None = None,
    slack: WebClient | None = None,
) -> Clients:
    """Every client the settings configure; `slack` is a Web API client already built
    with `build_client` (Bolt's, in `serve`), to be used instead of a second one."""
    return Clients(
        slack=slack or build_client(settings),
        pagerduty=_pagerduty(settings, transport),
        github=_github(settings, transport),
        jira=_jira(settings, transport),
        prometheus=_prometheus(settings, transport),
    )


def installed_bot(
    settings: Settings, sessions: sessionmaker[Session], team_id: str
) -> WebClient | None:
    """The Slack client of the bot workspace `team_id` installed (multi-workspace mode), its
    token read from the database now, so an uninstall ends it at once; None when the
    workspace has no installation. UnreadableSecret when no key of TOKEN_ENCRYPTION_KEY
    decrypts the token. The one home of a per-workspace Slack client: the jobs' rounds
    (`bot.jobs.workspaces`) and the inbox's resumed backfills use it."""
    cipher = TokenCipher.from_setting(settings.require_token_encryption_key())
    with sessions() as session:
        row = installations.get(session, team_id, cipher)
    if row is None or not row["bot_token"] or row["is_enterprise_install"]:
        return None
    return build_client(settings, token=str(row["bot_token"]))


def for_workspace(clients: Clients, slack: WebClient) -> Clients:
    """The same clients, Slack's speaking as one installed workspace's bot (`installed_bot`:
    each job's run in a workspace sends with that workspace's token). The other clients
    are shared, and closed with the process's `clients`."""
    return replace(clients, slack=slack)


def build_client(
    settings: Settings, *, logger: logging.Logger | None = None, token: str | None = None
) -> WebClient:
    """The Slack Web API client (with SLACK_BOT_TOKEN unless `token` is given); 429s wait
    for Retry-After instead of failing."""
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        logger=logger,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=10),
        ],
    )


def without_rate_limit_waits(client: WebClient) -> WebClient:
    """A copy of `client` (same token, URL, logger) whose 429s are raised at once instead
    of waited out: for a history backfill, which pauses and resumes later from the inbox
    rather than sleep in a worker (`bot.flows.channel_history`). Other retries are kept;
    a client that waits for no 429 is returned as it is."""
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        return client
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        logger=client.logger,
        retry_handlers=[
            handler
            for handler in client.retry_handlers
            if not isinstance(handler, RateLimitErrorRetryHandler)
        ],
    )


def _pagerduty(settings: Settings, transport: httpx.BaseTransport | None) -> PagerDutyClient | None:
    if not settings.pagerduty_api_token:
        return None
    return PagerDutyClient(
        settings.pagerduty_api_url, settings.pagerduty_api_token, transport=transport
    )


def _github(settings: Settings, transport: httpx.BaseTransport | None) -> GitHubClient | None:
    if not settings.github_token:
        return None
    return GitHubClient(settings.github_api_url, settings.github_token, transport=transport)


def _jira(settings: Settings, transport: httpx.BaseTransport | None) -> JiraClient | None:
    if not (settings.jira_url and settings.jira_email and settings.jira_api_token):
        return None
    return JiraClient(
        settings.jira_url, settings.jira_email, settings.jira_api_token, transport=transport
    )


def _prometheus(
    settings: Settings, transport: httpx.BaseTransport | None
) -> PrometheusClient | None:
    # Read first: a mistake in the charts stops the start even before PROMETHEUS_URL is set.
    catalog = queries.load(settings.prometheus_queries)
    if not settings.prometheus_url:
        return None
    return PrometheusClient(settings.prometheus_url, catalog, transport=transport)
