"""Multi-workspace install: Bolt's OAuth flow, with installs and states in the bot's database.

`GET /slack/install` sends the admin's browser to Slack's consent screen with a
one-time `state`; Slack sends it back to `GET /slack/oauth_redirect` with a
code, which the flow exchanges (`oauth.v2.access`) for the workspace's bot
token. From then on Bolt looks up that token for every request from the
workspace. The flow makes its Web API calls with the App's own client, so they
go to SLACK_API_URL like every other call.

slack_sdk's SQLAlchemy stores are not used: under SQLAlchemy 2.1 they cannot be
imported without the asyncio extra (greenlet), and their tables would live
outside `storage.models`, where Alembic would not see them.

The tokens are encrypted at rest with TOKEN_ENCRYPTION_KEY (`storage.secrets`);
`rotate_token_key` re-encrypts them all with its newest key.

Each request still reads its workspace's installation (one row by key), so an
uninstall on any replica refuses the next request everywhere; what is cached is
Bolt's `auth.test` of the token (`CachedAuthorize`): Bolt would otherwise ask
Slack once per request. The cache is per process, keyed by token, one token per
installation (a rotated token replaces the old one's answer), and a deleted
installation drops its team's entries (`bench/oauth_authorize.py` measures both).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.error import BoltError
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.errors import ConfigError
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import utcnow
from storage.repositories import installations, oauth_states
from storage.secrets import TokenCipher, UnreadableSecret

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Where the admin's browser goes: Slack's own page, whatever SLACK_API_URL says.
AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
STATE_SECONDS = 600
# The bot scopes of manifest.yml; tests/unit/test_oauth.py keeps the two in step.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "reactions:read",
    "reactions:write",
    "pins:read",
    "users:read",
    "im:write",
    "im:history",
    "files:write",
    "app_mentions:read",
)
NOT_INSTALLED = (
    ":wave: Postmortem is not installed in this workspace, or it was removed. "
    "Ask a workspace admin to install it, then try again."
)


def build_oauth_settings(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime] = utcnow,
) -> OAuthSettings:
    if not settings.slack_client_id or not settings.slack_client_secret:
        raise ConfigError("SLACK_CLIENT_SECRET", "required when SLACK_CLIENT_ID is set")
    cipher = TokenCipher.from_setting(settings.require_token_encryption_key())
    store = DatabaseInstallationStore(sessions, cipher)
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # /slack/install is a link to hand out: it goes straight on to Slack.
        install_page_rendering_enabled=False,
        authorization_url=AUTHORIZE_URL,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=DatabaseStateStore(sessions, seconds=STATE_SECONDS, clock=clock),
        state_expiration_seconds=STATE_SECONDS,
        logger=logger,
    )
    # The App takes its authorize from here: the same lookup, its auth.test remembered.
    oauth.authorize = CachedAuthorize(
        logger=logger,
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        installation_store=store,
        bot_only=True,
    )
    store.on_delete = oauth.authorize.forget
    return oauth


class CachedAuthorize(InstallationStoreAuthorize):
    """Bolt's installation-store authorize with its cache of `auth.test` answers on.

    Bolt keys the cache by token and never empties it; here it keeps one answer per
    installation (`OnePerInstall`: a rotated or reinstalled token replaces the old
    one's, on every replica), and `forget` drops a team's entries when its
    installation is deleted, so a reinstall starts afresh."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cache_enabled=True, **kwargs)
        self.authorize_result_cache = OnePerInstall()

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        for token, result in list(self.authorize_result_cache.items()):
            if _same_install(result.enterprise_id, result.team_id, enterprise_id, team_id):
                self.authorize_result_cache.pop(token, None)


class OnePerInstall(dict[str, AuthorizeResult]):
    """Bolt's authorize cache (token -> its `auth.test` answer) holding one token per
    installation: with token rotation a workspace gets a new token every 12 hours,
    and each would otherwise stay cached for the life of the process."""

    def __setitem__(self, token: str, result: AuthorizeResult) -> None:
        install = (result.enterprise_id, result.team_id)
        for other, cached in list(self.items()):
            if other != token and (cached.enterprise_id, cached.team_id) == install:
                self.pop(other, None)
        super().__setitem__(token, result)


def _same_install(
    enterprise_id: str | None,
    team_id: str | None,
    gone_enterprise: str | None,
    gone_team: str | None,
) -> bool:
    if gone_team is not None:
        return team_id == gone_team
    return gone_enterprise is not None and enterprise_id == gone_enterprise


def rotate_token_key(settings: Settings, *, out: TextIO) -> int:
    """`postmortem-bot rotate-token-key`: re-encrypt every stored token with the newest
    key of TOKEN_ENCRYPTION_KEY, in one transaction, so the older keys can be dropped."""
    cipher = TokenCipher.from_setting(settings.require_token_encryption_key())
    engine = make_engine(settings.database_url)
    try:
        schema.ensure_current(engine)
        with make_sessionmaker(engine).begin() as session:
            count = installations.reencrypt_all(session, cipher)
    finally:
        engine.dispose()
    out.write(
        f"re-encrypted {count} stored token(s) with the first key of TOKEN_ENCRYPTION_KEY; "
        "any other keys listed there can be removed now\n"
    )
    return 0


class DatabaseInstallationStore(InstallationStore):
    """One bot token per workspace, encrypted with `cipher`. The app asks for no user
    scopes, so there are no user tokens to keep, and Bolt is told to look up bots only."""

    def __init__(self, sessions: sessionmaker[Session], cipher: TokenCipher) -> None:
        self._sessions = sessions
        self._cipher = cipher
        # Told of every deleted installation (enterprise, team): the authorize cache.
        self.on_delete: Callable[[str | None, str | None], None] = lambda e, t: None

    @property
    def logger(self) -> logging.Logger:
        return logger

    def save(self, installation: Installation) -> None:
        self.save_bot(installation.to_bot())

    def save_bot(self, bot: Bot) -> None:
        key = installations.install_id(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        if key is None:
            # BoltError: the flow answers it with its failure page instead of a 500.
            raise BoltError("an installation names neither a team nor an enterprise")
        with self._sessions.begin() as session:
            installations.save(session, _row(key, bot), self._cipher)
        logger.info("installed team=%s enterprise=%s", bot.team_id, bot.enterprise_id)

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        key = installations.install_id(enterprise_id, team_id, bool(is_enterprise_install))
        if key is None:
            return None
        try:
            with self._sessions() as session:
                row = installations.get(session, key, self._cipher)
        except UnreadableSecret as error:
            # Bolt logs what find_bot raises at INFO and answers "not installed": say why here.
            logger.error("cannot use the installation of %s: %s", key, error)
            raise
        return None if row is None else _bot(row)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        key = installations.install_id(enterprise_id, team_id, False)
        if key is None:
            return
        with self._sessions.begin() as session:
            removed = installations.remove(session, key)
        self.on_delete(enterprise_id, team_id)
        if removed:
            logger.info("uninstalled team=%s enterprise=%s", team_id, enterprise_id)

    def forget_cached(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Drop this process's cached authorizations of a workspace whose row an uninstall
        already deleted in its own transaction; the row is not touched again, so a
        reinstall committed since then stays."""
        self.on_delete(enterprise_id, team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        # A person's revoked token leaves nothing to delete: only bot tokens are kept.
        if user_id is None:
            self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class DatabaseStateStore(OAuthStateStore):
    """States in the database, so any replica can finish an install another one began."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        seconds: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._lifetime = timedelta(seconds=seconds)
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self._clock()
        with self._sessions.begin() as session:
            oauth_states.purge_expired(session, now)
            oauth_states.add(session, state, now + self._lifetime)
        return state

    def consume(self, state: str) -> bool:
        if not state:
            return False
        with self._sessions.begin() as session:
            return oauth_states.consume(session, state, self._clock())


def _row(key: str, bot: Bot) -> dict[str, Any]:
    expires = bot.bot_token_expires_at
    return {
        "install_id": key,
        "enterprise_id": bot.enterprise_id,
        "enterprise_name": bot.enterprise_name,
        "team_id": bot.team_id,
        "team_name": bot.team_name,
        "is_enterprise_install": bot.is_enterprise_install,
        "app_id": bot.app_id,
        "bot_id": bot.bot_id,
        "bot_user_id": bot.bot_user_id,
        "bot_token": bot.bot_token,
        "bot_scopes": ",".join(bot.bot_scopes),
        "bot_refresh_token": bot.bot_refresh_token,
        "bot_token_expires_at": None if expires is None else datetime.fromtimestamp(expires, UTC),
        "installed_at": datetime.fromtimestamp(bot.installed_at, UTC),
    }


def _bot(row: dict[str, Any]) -> Bot:
    """A Bot from `installations.get`'s columns, its tokens already decrypted."""
    names: tuple[str, ...] = ("app_id", "enterprise_id", "enterprise_name", "team_id")
    names += ("team_name", "bot_token", "bot_id", "bot_user_id", "bot_scopes")
    names += ("bot_refresh_token", "bot_token_expires_at", "is_enterprise_install", "installed_at")
    return Bot(**{name: row[name] for name in names})
