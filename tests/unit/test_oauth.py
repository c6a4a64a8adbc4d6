"""OAuth install settings, the database-backed installation and state stores, and their schema."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.config import Settings
from bot.errors import ConfigError
from bot.oauth import (
    AUTHORIZE_URL,
    BOT_SCOPES,
    CachedAuthorize,
    DatabaseInstallationStore,
    DatabaseStateStore,
    build_oauth_settings,
)
from bot.sandbox import Sandbox
from bot.sandbox.signing import slack_headers
from storage.models import Base
from storage.secrets import TokenCipher, UnreadableSecret
from tests.conftest import REPO

SECRET = "signing-secret"
TOKEN_KEY = "3q2-7wEjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWc="
CIPHER = TokenCipher([TOKEN_KEY])
OAUTH_TABLES = ("slack_installations", "oauth_states")


def _manifest_bot_scopes() -> list[str]:
    """oauth_config.scopes.bot of manifest.yml, read without a YAML library."""
    lines = (REPO / "manifest.yml").read_text().splitlines()
    start = lines.index("    bot:") + 1
    scopes = []
    for line in lines[start:]:
        if not line.startswith("      - "):
            break
        scopes.append(line.strip().removeprefix("- ").strip())
    return scopes


def _bot(team_id: str = "T0ACME", token: str = "xoxb-acme", **extra: Any) -> Bot:
    values: dict[str, Any] = {"team_id": team_id, "team_name": "Acme", "app_id": "A0APP"}
    values.update(bot_token=token, bot_id="B0ACME", bot_user_id="U0ACMEBOT")
    values.update(bot_scopes="commands,chat:write", installed_at=time.time())
    return Bot(**{**values, **extra})


def _oauth_settings(slack_api_url: str = "https://slack.com/api/") -> Settings:
    return Settings(
        slack_client_id="111.222",
        slack_client_secret="client-secret",
        token_encryption_key=TOKEN_KEY,
        slack_signing_secret=SECRET,
        slack_api_url=slack_api_url,
    )


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(rate_window_seconds=1.0, rate_limits=False) as sandbox:
        yield sandbox


def test_the_install_asks_for_exactly_the_manifests_bot_scopes() -> None:
    assert sorted(BOT_SCOPES) == sorted(_manifest_bot_scopes())
    assert len(set(BOT_SCOPES)) == len(BOT_SCOPES)


def test_oauth_settings_send_browsers_to_slack_and_come_back_to_the_contract_routes(
    sessions: sessionmaker[Session],
) -> None:
    oauth = build_oauth_settings(_oauth_settings(), sessions)

    assert (oauth.install_path, oauth.redirect_uri_path) == (
        "/slack/install",
        "/slack/oauth_redirect",
    )
    url = oauth.authorize_url_generator.generate(state="s1")
    assert url.startswith(f"{AUTHORIZE_URL}?state=s1&client_id=111.222&scope=commands,")
    assert oauth.installation_store_bot_only is True
    assert oauth.install_page_rendering_enabled is False


def test_oauth_needs_the_client_secret(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET"):
        build_oauth_settings(Settings(slack_client_id="111.222"), sessions)


def test_oauth_needs_the_token_encryption_key(sessions: sessionmaker[Session]) -> None:
    settings = Settings(slack_client_id="111.222", slack_client_secret="client-secret")
    with pytest.raises(ConfigError) as raised:
        build_oauth_settings(settings, sessions)
    assert raised.value.name == "TOKEN_ENCRYPTION_KEY"
    assert "Fernet.generate_key()" in raised.value.problem


def test_the_oauth_app_calls_nothing_at_build_and_exchanges_codes_at_slack_api_url(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    app = build_app(_oauth_settings(sb.slack_api_url), sessions=sessions)

    assert app.oauth_flow is not None
    assert app.oauth_flow.client.base_url == sb.slack_api_url
    assert app.client.token is None
    assert sb.slack.calls == []


def test_each_request_gets_a_client_with_its_workspaces_token_base_url_and_retries(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    app = build_app(_oauth_settings(sb.slack_api_url), sessions=sessions)
    token = sb.slack.bot_token
    DatabaseInstallationStore(sessions, CIPHER).save_bot(
        _bot(sb.slack.team_id, token, bot_id=sb.slack.bot_id, bot_user_id=sb.slack.bot_user_id)
    )
    seen: list[WebClient] = []

    def probe(ack: Ack, client: WebClient) -> None:
        seen.append(client)
        ack()

    app.command("/probe")(probe)
    form = {"team_id": sb.slack.team_id, "user_id": "U0ALICE", "channel_id": "C0INC"}
    form.update(command="/probe", text="", response_url=f"{sb.base_url}/response/1")
    body = urlencode(form)
    headers = slack_headers(SECRET, int(time.time()), body.encode())
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    response = app.dispatch(BoltRequest(body=body, headers=headers))

    assert response.status == 200
    [client] = seen
    assert client.token == token
    assert client.base_url == sb.slack_api_url
    assert any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers)


def test_a_workspaces_requests_ask_auth_test_once_until_it_is_uninstalled(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    app = build_app(_oauth_settings(sb.slack_api_url), sessions=sessions)
    ws = sb.slack
    installed = _bot(ws.team_id, ws.bot_token, bot_id=ws.bot_id, bot_user_id=ws.bot_user_id)
    store = app.installation_store
    assert store is not None
    store.save_bot(installed)
    app.command("/probe")(lambda ack: ack())

    def probe() -> int:
        return _probe(sb, app)

    assert [probe() for _ in range(3)] == [200, 200, 200]
    assert ws.call_count("auth.test") == 1, "the first request asked, the others remembered"

    store.delete_bot(enterprise_id=None, team_id=ws.team_id)
    assert probe() == 200  # answered with the "not installed" words, no auth.test
    store.save_bot(installed)
    assert probe() == 200

    assert ws.call_count("auth.test") == 2, "the uninstall forgot the cached answer"


def test_a_rotated_token_replaces_the_old_ones_cached_answer(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    """With token rotation each workspace gets a new bot token twice a day: the process
    remembers the newest one's auth.test, not every token it ever saw."""
    app = build_app(_oauth_settings(sb.slack_api_url), sessions=sessions)
    ws, store = sb.slack, app.installation_store
    assert store is not None
    app.command("/probe")(lambda ack: ack())
    for turn in range(3):
        token = f"{ws.bot_token}-rotated-{turn}"
        sb.installs.issue_token(ws.team_id, token)
        store.save_bot(_bot(ws.team_id, token, bot_id=ws.bot_id, bot_user_id=ws.bot_user_id))
        assert _probe(sb, app) == 200

    assert ws.call_count("auth.test") == 3, "each new token asked once"
    authorize = app.oauth_flow.settings.authorize if app.oauth_flow else None
    assert isinstance(authorize, CachedAuthorize)
    assert list(authorize.authorize_result_cache) == [f"{ws.bot_token}-rotated-2"]


def _probe(sb: Sandbox, app: App) -> int:
    """A signed slash command from the sandbox's workspace, dispatched to `app`."""
    form = {"team_id": sb.slack.team_id, "user_id": "U0ALICE", "channel_id": "C0INC"}
    form.update(command="/probe", text="", response_url=f"{sb.base_url}/response/1")
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers.update(slack_headers(SECRET, int(time.time()), body.encode()))
    return app.dispatch(BoltRequest(body=body, headers=headers)).status


def test_a_saved_bot_is_found_by_its_team_and_replaced_by_a_reinstall(
    sessions: sessionmaker[Session],
) -> None:
    store = DatabaseInstallationStore(sessions, CIPHER)
    store.save_bot(_bot(token="xoxb-first"))
    store.save_bot(_bot(token="xoxb-second", bot_scopes="commands"))

    found = store.find_bot(enterprise_id=None, team_id="T0ACME")

    assert found is not None
    assert (found.bot_token, found.bot_scopes) == ("xoxb-second", ["commands"])
    assert (found.team_name, found.bot_user_id, found.app_id) == ("Acme", "U0ACMEBOT", "A0APP")
    assert store.find_bot(enterprise_id=None, team_id="T0OTHER") is None


def test_an_org_wide_install_is_found_from_any_of_its_workspaces(
    sessions: sessionmaker[Session],
) -> None:
    store = DatabaseInstallationStore(sessions, CIPHER)
    store.save_bot(_bot(team_id=None, enterprise_id="E0GRID", is_enterprise_install=True))

    found = store.find_bot(enterprise_id="E0GRID", team_id="T0ANY", is_enterprise_install=True)

    assert found is not None and found.enterprise_id == "E0GRID"


def test_uninstalling_deletes_the_bot_and_a_revoked_user_token_deletes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    store = DatabaseInstallationStore(sessions, CIPHER)
    store.save_bot(_bot())

    store.delete_installation(enterprise_id=None, team_id="T0ACME", user_id="U0SOMEONE")
    assert store.find_bot(enterprise_id=None, team_id="T0ACME") is not None

    store.delete_all(enterprise_id=None, team_id="T0ACME")
    assert store.find_bot(enterprise_id=None, team_id="T0ACME") is None


def test_a_token_expiry_survives_the_round_trip(sessions: sessionmaker[Session]) -> None:
    store = DatabaseInstallationStore(sessions, CIPHER)
    store.save_bot(_bot(bot_refresh_token="xoxe-1", bot_token_expires_at=2_000_000_000))

    found = store.find_bot(enterprise_id=None, team_id="T0ACME")

    assert found is not None
    assert (found.bot_refresh_token, found.bot_token_expires_at) == ("xoxe-1", 2_000_000_000)


def test_a_token_the_key_does_not_decrypt_is_logged_as_an_error_naming_the_workspace(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    DatabaseInstallationStore(sessions, CIPHER).save_bot(_bot())
    other_key = TokenCipher(["x" * 43 + "="])
    store = DatabaseInstallationStore(sessions, other_key)

    with caplog.at_level(logging.ERROR, "bot.oauth"), pytest.raises(UnreadableSecret):
        store.find_bot(enterprise_id=None, team_id="T0ACME")

    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "T0ACME" in record.getMessage() and "TOKEN_ENCRYPTION_KEY" in record.getMessage()


def test_a_state_is_good_once(sessions: sessionmaker[Session]) -> None:
    states = DatabaseStateStore(sessions, seconds=600)
    state = states.issue()

    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("never-issued") is False
    assert states.consume("") is False


def test_a_state_expires(sessions: sessionmaker[Session]) -> None:
    now = [datetime(2026, 1, 1, 12, tzinfo=UTC)]
    states = DatabaseStateStore(sessions, seconds=600, clock=lambda: now[0])
    state = states.issue()

    now[0] += timedelta(seconds=601)

    assert states.consume(state) is False


def test_the_migration_makes_the_oauth_tables_the_models_describe(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    drift = [diff for diff in diffs if any(table in repr(diff) for table in OAUTH_TABLES)]
    assert drift == []
