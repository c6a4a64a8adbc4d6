"""Two workspaces install the bot by OAuth; the follow-up runs in each with its own bot.

The real bot serves in multi-workspace mode (no SLACK_BOT_TOKEN); `postmortem-bot
remind --at`, with the same settings, runs the jobs as of a chosen Monday morning.
The sandbox records which token made each Web API call, so the test sees whose bot
sent each digest. Then one workspace removes the app: Slack stops taking its token
and sends `app_uninstalled` and `tokens_revoked`; its follow-up stops, the other's
goes on.
"""

from __future__ import annotations

import time as clock
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox, payloads
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.sandbox.slack_state import SlackWorkspace
from storage.db import make_engine, make_sessionmaker
from storage.models import SlackInstallation, UserTimezone
from tests.followup_seed import add_item, add_postmortem, remind
from tests.oauth_installs import install, oauth_env

ACME, GLOBEX = "T0ACME", "T0GLOBEX"
NAMES = {ACME: "Acme Corp", GLOBEX: "Globex"}
OWNERS = {ACME: "U0DANA", GLOBEX: "U0EVE"}
CHANNELS = {ACME: "C0ACMEINC", GLOBEX: "C0GLOBEXINC"}
_TODAY = datetime.now(UTC).date()
MONDAY = datetime.combine(_TODAY - timedelta(days=_TODAY.weekday()), time(), tzinfo=UTC)
MORNING = MONDAY + timedelta(hours=9, minutes=30)  # the owners' zone is UTC
WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class Installed:
    sandbox: Sandbox
    bot: BotProcess
    driver: Driver
    db: sessionmaker[Session]

    def remind(self, at: datetime) -> str:
        return remind(self.sandbox, self.bot.database_url, at, env=oauth_env(self.sandbox))

    def team(self, team_id: str) -> SlackWorkspace:
        return self.sandbox.team(team_id)

    def digests(self, team_id: str) -> list[dict[str, Any]]:
        """The bot's DMs to the team's owner, in the team's own workspace."""
        ws = self.team(team_id)
        channel = ws.dm_id(OWNERS[team_id])
        if channel not in ws.channels:
            return []
        return [m for m in ws.messages(channel) if m.get("bot_id")]

    def posting_tokens(self, team_id: str) -> set[str | None]:
        calls = self.team(team_id).calls
        return {call.token for call in calls if call.method == "chat.postMessage"}

    def cached_zones(self, team_id: str) -> int:
        with self.db() as session:
            query = select(func.count()).select_from(UserTimezone)
            return int(session.scalar(query.where(UserTimezone.team_id == team_id)) or 0)

    def installed_teams(self) -> set[str | None]:
        with self.db() as session:
            return set(session.scalars(select(SlackInstallation.team_id)))


@pytest.fixture
def bot(sandbox: Sandbox, database_url: str) -> Iterator[BotProcess]:
    """The bot in multi-workspace mode: client id and secret, no bot token."""
    with running_bot(sandbox, database_url=database_url, extra_env=oauth_env(sandbox)) as bot:
        yield bot


@pytest.fixture
def installed(sandbox: Sandbox, bot: BotProcess, driver: Driver) -> Iterator[Installed]:
    """Acme and Globex installed through the browser flow, each with a post-mortem whose
    owner has one open item."""
    with httpx.Client(base_url=bot.url, follow_redirects=False, timeout=10.0) as browser:
        for team_id, name in NAMES.items():
            assert install(sandbox, browser, team_id, name).status_code == 200
    engine = make_engine(bot.database_url)
    db = make_sessionmaker(engine)
    for team_id, owner in OWNERS.items():
        ws = sandbox.team(team_id)
        ws.add_user(owner, owner.lower(), real_name=f"Owner of {team_id}", tz="UTC")
        ws.add_channel(CHANNELS[team_id], "inc-" + team_id.lower(), members=(owner,))
        postmortem = add_postmortem(
            db,
            channel_id=CHANNELS[team_id],
            lead=owner,
            title=f"{NAMES[team_id]} outage",
            created_at=MONDAY - WEEK,
            published_at=MONDAY - WEEK,
            team_id=team_id,
        )
        add_item(db, postmortem, 1, owner, f"Fix {NAMES[team_id]}'s pool", team_id=team_id)
    yield Installed(sandbox, bot, driver, db)
    engine.dispose()


def _uninstall(installed: Installed, team_id: str) -> None:
    """The admin removes the app; Slack sends both events (in no promised order)."""
    installed.sandbox.installs.uninstall(team_id)
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["B0BOT"]}}
    for event in ({"type": "app_uninstalled"}, revoked):
        response = installed.driver.deliver_event(event, team=team_id)
        assert response.status_code == 200, response.text


def test_each_owner_gets_the_digest_from_their_own_workspaces_bot(installed: Installed) -> None:
    out = installed.remind(MORNING)

    assert "digests: 2 sent" in out
    for team_id in (ACME, GLOBEX):
        [digest] = installed.digests(team_id)
        assert f"Fix {NAMES[team_id]}'s pool" in str(digest["blocks"])
        assert digest["user"] == installed.team(team_id).bot_user_id
        assert installed.posting_tokens(team_id) == {installed.team(team_id).bot_token}
    [acme_digest] = installed.digests(ACME)
    assert "Globex" not in str(acme_digest["blocks"]), "a workspace sees only its own items"
    assert installed.sandbox.slack.call_count("chat.postMessage") == 0


def test_uninstalling_one_workspace_stops_its_follow_up_and_not_the_others(
    installed: Installed,
) -> None:
    installed.remind(MORNING)
    acme_calls = len(installed.team(ACME).calls)
    assert installed.cached_zones(ACME) == 1, "the digest looked Dana's zone up"

    _uninstall(installed, ACME)

    assert installed.installed_teams() == {GLOBEX}
    assert installed.cached_zones(ACME) == 0, "the profile data copied from Acme's Slack is gone"
    assert installed.cached_zones(GLOBEX) == 1
    out = installed.remind(MORNING + WEEK)
    assert "digests: 1 sent" in out
    assert len(installed.digests(GLOBEX)) == 2, "Globex's weekly digest goes on"
    assert len(installed.digests(ACME)) == 1
    assert len(installed.team(ACME).calls) == acme_calls, "nothing more is tried with Acme's token"


def test_a_retried_uninstall_after_a_reinstall_deletes_nothing(installed: Installed) -> None:
    installed.sandbox.installs.uninstall(ACME)
    first = installed.driver.deliver_event(
        {"type": "app_uninstalled"}, event_id="Ev0GONE1", team=ACME
    )
    assert first.status_code == 200
    with httpx.Client(base_url=installed.bot.url, follow_redirects=False) as browser:
        assert install(installed.sandbox, browser, ACME, NAMES[ACME]).status_code == 200

    retried = installed.driver.deliver_event(
        {"type": "app_uninstalled"}, event_id="Ev0GONE1", retry_num=1, team=ACME
    )

    assert retried.status_code == 200
    assert installed.installed_teams() == {ACME, GLOBEX}
    out = installed.remind(MORNING)
    assert "digests: 2 sent" in out, "the reinstalled workspace is followed up again"


def test_a_revocation_delivered_late_after_a_reinstall_deletes_nothing(
    installed: Installed,
) -> None:
    """Slack sent app_uninstalled and tokens_revoked together; the revocation's first
    attempts failed, and its retry (a first time for the bot) comes after the admin
    reinstalled: it is older than the installation and leaves it alone."""
    installed.sandbox.installs.uninstall(ACME)
    revoked_at = int(clock.time()) - 2
    gone = installed.driver.deliver_event({"type": "app_uninstalled"}, team=ACME)
    assert gone.status_code == 200
    with httpx.Client(base_url=installed.bot.url, follow_redirects=False) as browser:
        assert install(installed.sandbox, browser, ACME, NAMES[ACME]).status_code == 200

    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["B0BOT"]}}
    late = payloads.envelope(installed.team(ACME), event, "Ev0LATEREVOKE")
    late["event_time"] = revoked_at
    answer = installed.driver.deliver_callback(late, retry_num=3, retry_reason="http_error")

    assert answer.status_code == 200
    assert installed.installed_teams() == {ACME, GLOBEX}
    out = installed.remind(MORNING)
    assert "digests: 2 sent" in out, "the reinstalled workspace is followed up again"
