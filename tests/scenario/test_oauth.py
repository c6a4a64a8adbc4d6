"""A second workspace installs the bot through OAuth, then uses it with its own token.

The real bot runs with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET and no bot token, and
keeps the workspaces' tokens encrypted with TOKEN_ENCRYPTION_KEY.
The test plays the admin's browser: /slack/install sends it to Slack's
consent screen, the sandbox stands in for the admin clicking Allow (a code),
and the browser comes back to /slack/oauth_redirect with code and state.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.oauth import BOT_SCOPES, NOT_INSTALLED
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import Postmortem, SlackInstallation
from storage.secrets import TokenCipher
from tests.oauth_installs import (
    STATE_COOKIE,
    TOKEN_KEY,
    begin_install,
    come_back,
    install,
    oauth_env,
)
from tests.scenario.conftest import INCIDENT_CHANNEL

ACME, ACME_NAME = "T0ACME", "Acme Corp"
ACME_CHANNEL = "C0ACMEINC"
DANA = "U0DANA"


@pytest.fixture
def bot(sandbox: Sandbox, database_url: str) -> Iterator[BotProcess]:
    """The bot in multi-workspace mode: client id and secret, no bot token."""
    env = oauth_env(sandbox)
    with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
        yield bot


@pytest.fixture
def browser(bot: BotProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=bot.url, follow_redirects=False, timeout=10.0) as client:
        yield client


@pytest.fixture
def installations(bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _install_acme(sandbox: Sandbox, browser: httpx.Client) -> httpx.Response:
    return install(sandbox, browser, ACME, ACME_NAME)


def _acme_incident(sandbox: Sandbox) -> None:
    acme = sandbox.team(ACME)
    acme.add_user(DANA, "dana", real_name="Dana Ito", tz="Asia/Tokyo")
    acme.add_channel(ACME_CHANNEL, "inc-acme-login", members=(DANA,))


def _stored(installations: sessionmaker[Session]) -> list[SlackInstallation]:
    with installations() as session:
        return list(session.scalars(select(SlackInstallation)))


def _threaded_postmortem(db: sessionmaker[Session]) -> Postmortem | None:
    """The post-mortem once the bot has kept its opening message's thread."""
    with db() as session:
        postmortem = session.scalars(select(Postmortem)).one_or_none()
    return postmortem if postmortem is not None and postmortem.thread_ts else None


def test_install_sends_the_browser_to_slack_with_a_state_and_the_manifest_scopes(
    browser: httpx.Client, sandbox: Sandbox
) -> None:
    query, cookie = begin_install(browser)

    assert query["client_id"] == [sandbox.installs.client_id]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    assert cookie == f"{STATE_COOKIE}={query['state'][0]}"
    assert not sandbox.slack.calls, "the bot made no Web API call without a token"


def test_the_redirect_back_stores_the_new_workspaces_token(
    browser: httpx.Client, sandbox: Sandbox, installations: sessionmaker[Session]
) -> None:
    response = _install_acme(sandbox, browser)

    assert response.status_code == 200
    assert "Thank you!" in response.text
    acme = sandbox.team(ACME)
    [stored] = _stored(installations)
    assert (stored.team_id, stored.team_name) == (ACME, ACME_NAME)
    assert acme.bot_token not in stored.bot_token, "the database holds no plain token"
    assert TokenCipher([TOKEN_KEY]).decrypt(stored.bot_token) == acme.bot_token
    assert (stored.bot_user_id, stored.bot_id) == (acme.bot_user_id, acme.bot_id)
    assert stored.bot_scopes == ",".join(BOT_SCOPES)
    assert sandbox.slack.call_count("oauth.v2.access") == 1


def test_a_command_from_the_new_workspace_is_answered_with_its_own_token(
    browser: httpx.Client, driver: Driver, sandbox: Sandbox, installations: sessionmaker[Session]
) -> None:
    _install_acme(sandbox, browser)
    _acme_incident(sandbox)
    acme = sandbox.team(ACME)

    response = driver.slash_command(DANA, ACME_CHANNEL, "start Login outage", team=ACME)

    assert response.status_code == 200
    opening = sandbox.wait_for(lambda: acme.messages(ACME_CHANNEL))[0]
    assert "Login outage" in opening["text"]
    assert opening["user"] == acme.bot_user_id
    posts = [call for call in acme.calls if call.method == "chat.postMessage"]
    assert posts and {call.token for call in posts} == {acme.bot_token}
    assert sandbox.slack.call_count("chat.postMessage") == 0
    postmortem = sandbox.wait_for(lambda: _threaded_postmortem(installations))
    assert (postmortem.team_id, postmortem.channel_id) == (ACME, ACME_CHANNEL)
    assert postmortem.thread_ts == opening["ts"]


@pytest.mark.parametrize("tamper", ["forged state", "no cookie", "state used twice"])
def test_a_bad_state_is_refused_and_nothing_is_installed(
    tamper: str,
    browser: httpx.Client,
    sandbox: Sandbox,
    installations: sessionmaker[Session],
) -> None:
    query, cookie = begin_install(browser)
    state = query["state"][0]
    code = sandbox.authorize_install(ACME, ACME_NAME)
    if tamper == "forged state":
        state, cookie = "forged", f"{STATE_COOKIE}=forged"
    elif tamper == "no cookie":
        cookie = ""
    else:
        first = come_back(browser, code, state, cookie)
        assert first.status_code == 200
        code = sandbox.authorize_install(ACME, ACME_NAME)

    response = come_back(browser, code, state, cookie)

    assert response.status_code in (400, 401)
    assert "Thank you!" not in response.text
    expected_exchanges = 1 if tamper == "state used twice" else 0
    assert sandbox.slack.call_count("oauth.v2.access") == expected_exchanges
    assert len(_stored(installations)) == expected_exchanges


def test_a_workspace_without_the_app_installed_is_told_so_politely(
    bot: BotProcess, driver: Driver, sandbox: Sandbox
) -> None:
    response = driver.slash_command("U0ALICE", INCIDENT_CHANNEL, "start Checkout 500s")

    assert response.status_code == 200
    answer = sandbox.wait_for(lambda: sandbox.slack.responses)[0]
    assert answer["body"]["text"] == NOT_INSTALLED
    assert sandbox.slack.call_count("chat.postMessage") == 0
    assert "Traceback" not in bot.log()


def test_uninstalling_forgets_the_token_and_later_commands_are_refused(
    browser: httpx.Client, driver: Driver, sandbox: Sandbox, installations: sessionmaker[Session]
) -> None:
    _install_acme(sandbox, browser)
    _acme_incident(sandbox)
    acme = sandbox.team(ACME)

    gone = driver.deliver_event({"type": "app_uninstalled"}, team=ACME)
    assert gone.status_code == 200
    assert _stored(installations) == []

    driver.slash_command(DANA, ACME_CHANNEL, "start Login outage", team=ACME)
    answer = sandbox.wait_for(lambda: acme.responses)[0]
    assert answer["body"]["text"] == NOT_INSTALLED
    assert acme.call_count("chat.postMessage") == 0
