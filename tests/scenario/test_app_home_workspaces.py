"""The App Home in multi-workspace mode: two workspaces installed by OAuth, one person's id
in both. Each Home is published by that workspace's own bot token and shows only that
workspace's post-mortems and items."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.sandbox.reading import visible_text
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Postmortem
from storage.repositories import workspaces
from tests.oauth_installs import install, oauth_env

ACME, GLOBEX = ("T0ACME", "Acme Corp"), ("T0GLOBEX", "Globex")
DANA = "U0DANA"  # the same id in both, so only the team tells the rows apart
NOW = datetime.now(UTC)


@pytest.fixture
def bot(sandbox: Sandbox, database_url: str) -> Iterator[BotProcess]:
    """The bot in multi-workspace mode: client id and secret, no bot token."""
    with running_bot(sandbox, database_url=database_url, extra_env=oauth_env(sandbox)) as bot:
        yield bot


@pytest.fixture
def db(bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def installed(sandbox: Sandbox, bot: BotProcess, db: sessionmaker[Session]) -> None:
    """Both workspaces install the bot; Dana leads one post-mortem with one item in each."""
    with httpx.Client(base_url=bot.url, follow_redirects=False, timeout=10.0) as browser:
        for team_id, name in (ACME, GLOBEX):
            assert install(sandbox, browser, team_id, name).status_code == 200
            sandbox.team(team_id).add_user(DANA, "dana", real_name="Dana Ito", tz="Asia/Tokyo")
            _postmortem_with_item(db, team_id, f"{name} login outage", f"{name} retry budget")


def _postmortem_with_item(db: sessionmaker[Session], team_id: str, title: str, action: str) -> None:
    with db.begin() as session:
        workspaces.ensure(session, team_id)
        postmortem = Postmortem(
            team_id=team_id,
            channel_id="C0LOGIN",
            title=title,
            lead_user_id=DANA,
            created_by=DANA,
            created_at=NOW - timedelta(days=1),
        )
        session.add(postmortem)
        session.flush()
        session.add(
            ActionItem(
                team_id=team_id,
                postmortem_id=postmortem.id,
                number=1,
                action=action,
                owner_id=DANA,
                deadline=date.today() + timedelta(days=7),
                priority="High",
            )
        )


def _home(sandbox: Sandbox, team_id: str) -> dict[str, Any]:
    ws = sandbox.team(team_id)
    return sandbox.wait_for(
        lambda: [v for v in ws.views if v["method"] == "views.publish" and v["user_id"] == DANA]
    )[-1]["view"]


@pytest.mark.usefixtures("installed")
def test_each_workspace_publishes_its_own_home_with_its_own_rows_and_token(
    sandbox: Sandbox, driver: Driver
) -> None:
    assert driver.open_home(DANA, team=ACME[0]).status_code == 200
    assert driver.open_home(DANA, team=GLOBEX[0]).status_code == 200

    acme, globex = visible_text(_home(sandbox, ACME[0])), visible_text(_home(sandbox, GLOBEX[0]))
    assert "Acme Corp login outage" in acme and "Acme Corp retry budget" in acme
    assert "Globex" not in acme
    assert "Globex login outage" in globex and "Globex retry budget" in globex
    assert "Acme" not in globex
    for team_id, _ in (ACME, GLOBEX):
        ws = sandbox.team(team_id)
        tokens = {call.token for call in ws.calls if call.method == "views.publish"}
        assert tokens == {ws.bot_token}, "published by that workspace's own bot"
    assert sandbox.slack.call_count("views.publish") == 0
