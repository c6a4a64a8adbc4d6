"""The App Home against the sandbox: a person opens the bot's Home tab and sees their open
action items (with the digest's buttons) and the post-mortems they lead or took part in.

The real bot answers `app_home_opened` by `views.publish`; the sandbox checks every
published view against Slack's view limits (a refusal fails the test at teardown).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.core.followup import day_label
from bot.sandbox import Sandbox, hands
from bot.sandbox.block_limits import view_problems
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.control import Control
from bot.sandbox.driver import Driver
from bot.sandbox.reading import visible_text
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Postmortem, TimelineEvent
from storage.repositories import reports, workspaces
from tests.followup_seed import TEAM, add_item, add_postmortem, dms
from tests.scenario.conftest import INCIDENT_CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
OTHER_TEAM = "T0GLOBEX"
SEARCH_CHANNEL, DNS_CHANNEL = "C0SEARCH", "C0DNS"
NOW = datetime.now(UTC)
TODAY = NOW.date()
TOKEN = "home-scenario-share-token"


@dataclass(frozen=True)
class World:
    sandbox: Sandbox
    bot: BotProcess
    driver: Driver
    db: sessionmaker[Session]
    checkout: int
    items: dict[str, int]

    def item(self, name: str) -> ActionItem:
        with self.db() as session:
            return session.get_one(ActionItem, self.items[name])


@pytest.fixture
def world(sandbox: Sandbox, bot: BotProcess, driver: Driver) -> Iterator[World]:
    """Alice leads checkout (published, its page shared) and DNS (in interview); Bob owns
    two checkout items and spoke in DNS's timeline; Globex has a post-mortem and an item
    under Bob's user id too, which Bob's Home in the sandbox workspace must never show."""
    sandbox.slack.add_channel(SEARCH_CHANNEL, "inc-search-slow", members=(ALICE, BOB))
    opening = sandbox.slack.post_as_user(INCIDENT_CHANNEL, ALICE, "Post-mortem: checkout 500s")
    engine = make_engine(bot.database_url)
    db = make_sessionmaker(engine)
    checkout = add_postmortem(
        db,
        channel_id=INCIDENT_CHANNEL,
        lead=ALICE,
        title="Checkout 500s <!channel>",
        thread_ts=opening["ts"],
        created_at=NOW - timedelta(days=2),
        published_at=NOW - timedelta(days=1),
    )
    dns = add_postmortem(
        db, channel_id=DNS_CHANNEL, lead=ALICE, title="DNS flap", created_at=NOW - timedelta(days=9)
    )
    items = {
        "pool": add_item(db, checkout, 1, BOB, "Add pool metrics", deadline=TODAY),
        "runbook": add_item(db, checkout, 2, BOB, "Write the failover runbook"),
        "alert": add_item(db, checkout, 3, ALICE, "Alert on 5xx > 1%"),
    }
    _share(db, checkout)
    _spoke(db, dns, BOB, "resolver restarted")
    _other_workspace(db)
    yield World(sandbox, bot, driver, db, checkout, items)
    engine.dispose()


def _share(db: sessionmaker[Session], postmortem_id: int) -> None:
    with db.begin() as session:
        reports.ensure_locked(session, TEAM, postmortem_id).share_token = TOKEN


def _spoke(db: sessionmaker[Session], postmortem_id: int, user: str, text: str) -> None:
    with db.begin() as session:
        session.add(
            TimelineEvent(
                team_id=TEAM,
                postmortem_id=postmortem_id,
                occurred_at=NOW - timedelta(days=9),
                source="slack",
                source_key="1700000000.000200",
                text=text,
                actor=user,
            )
        )


def _other_workspace(db: sessionmaker[Session]) -> None:
    with db.begin() as session:
        workspaces.ensure(session, OTHER_TEAM)
        theirs = Postmortem(
            team_id=OTHER_TEAM,
            channel_id=INCIDENT_CHANNEL,
            title="Globex secret outage",
            lead_user_id=BOB,
            created_by=BOB,
        )
        session.add(theirs)
        session.flush()
        session.add(
            ActionItem(
                team_id=OTHER_TEAM,
                postmortem_id=theirs.id,
                number=1,
                action="Globex secret fix",
                owner_id=BOB,
                priority="High",
            )
        )


def _publishes(sandbox: Sandbox, user: str) -> list[dict[str, Any]]:
    return [
        v["view"]
        for v in sandbox.slack.views
        if v["method"] == "views.publish" and v.get("user_id") == user
    ]


def _opened(world: World, user: str) -> dict[str, Any]:
    """Open the Home tab as `user` and wait for the Home the bot publishes."""
    before = len(_publishes(world.sandbox, user))
    assert world.driver.open_home(user).status_code == 200
    return world.sandbox.wait_for(lambda: _publishes(world.sandbox, user)[before:])[-1]


def _values(view: dict[str, Any], action_id: str) -> list[str]:
    return [
        e["value"]
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    ]


def test_an_owner_sees_their_items_with_buttons_and_the_postmortems_they_took_part_in(
    world: World,
) -> None:
    home = _opened(world, BOB)

    text = visible_text(home)
    assert "*AI-001* Add pool metrics" in text and "*AI-002* Write the failover runbook" in text
    assert "Alert on 5xx" not in text, "Alice's item"
    pool, runbook = world.items["pool"], world.items["runbook"]
    assert _values(home, "action_item_done") == [f"{pool}:home", f"{runbook}:home"]
    assert _values(home, "action_item_snooze") and _values(home, "action_item_deadline")
    lines = [b["text"]["text"] for b in home["blocks"] if b["type"] == "section"]
    checkout = next(line for line in lines if line.startswith("*Checkout 500s"))
    dns = next(line for line in lines if line.startswith("*DNS flap"))
    assert "· published · lead <@U0ALICE>" in checkout and "@channel" in checkout
    assert f"/postmortems/{TOKEN}|Report page>" in checkout
    assert "· interview · lead <@U0ALICE>" in dns, "he spoke in its timeline"
    assert lines.index(checkout) < lines.index(dns), "newest first"
    assert "Globex" not in text, "another workspace's post-mortem and item never appear"


def test_a_lead_sees_the_postmortems_they_lead_and_the_report_page_opens(world: World) -> None:
    home = _opened(world, ALICE)

    text = visible_text(home)
    assert "*AI-003* Alert on 5xx &gt; 1%" in text
    assert text.count("you lead it") == 2
    link = re.search(r"<(http[^|>]+/postmortems/[^|>]+)\|Report page>", text)
    assert link is not None
    page = httpx.get(world.bot.url + urlsplit(link[1]).path, timeout=10)
    assert page.status_code == 200 and "Add pool metrics" in page.text


def test_an_owner_marks_an_item_done_from_the_home_and_the_home_shows_it(world: World) -> None:
    home = _opened(world, BOB)
    before = len(_publishes(world.sandbox, BOB))

    pressed = world.driver.home_click(BOB, "action_item_done", f"{world.items['pool']}:home")

    assert pressed.status_code == 200
    redrawn = world.sandbox.wait_for(lambda: _publishes(world.sandbox, BOB)[before:])[-1]
    assert redrawn["blocks"][1]["elements"][0]["text"] == ":white_check_mark: AI-001 is done."
    assert "Add pool metrics" in visible_text(home) and "Add pool metrics" not in visible_text(
        redrawn
    )
    assert "Write the failover runbook" in visible_text(redrawn), "the other item stays listed"
    done = world.sandbox.poll(lambda: world.item("pool").status == "done" and world.item("pool"))
    assert done and done.done_by == BOB
    thread = world.sandbox.wait_for(lambda: _thread_replies(world))
    assert any("*AI-001* done, by <@U0BOB>" in m.get("text", "") for m in thread)
    page = httpx.get(f"{world.bot.url}/postmortems/{TOKEN}", timeout=10)
    row = re.search(r'<td class="code">AI-001</td>.*?</tr>', page.text, flags=re.S)
    assert row is not None and "<td>done</td>" in row[0], "the report page shows it done"


def _thread_replies(world: World) -> list[dict[str, Any]]:
    """The bot's replies under the post-mortem's opening message (its thread)."""
    root = world.sandbox.slack.messages(INCIDENT_CHANNEL)[0]
    return world.sandbox.slack.replies(INCIDENT_CHANNEL, root["ts"])[1:]


def test_snooze_from_the_home_redraws_it_with_the_snooze(world: World) -> None:
    _opened(world, BOB)
    before = len(_publishes(world.sandbox, BOB))

    world.driver.home_click(BOB, "action_item_snooze", f"{world.items['runbook']}:home")

    redrawn = world.sandbox.wait_for(lambda: _publishes(world.sandbox, BOB)[before:])[-1]
    assert ":zzz: AI-002 is snoozed through" in visible_text(redrawn)
    assert ":zzz: snoozed through" in visible_text(redrawn), "the item line says so too"


def test_change_deadline_from_the_home_opens_the_picker_and_redraws_the_home(
    world: World,
) -> None:
    _opened(world, BOB)
    world.driver.home_click(BOB, "action_item_deadline", f"{world.items['pool']}:home")
    opened = world.sandbox.wait_for(
        lambda: [v for v in world.sandbox.slack.views if v["method"] == "views.open"]
    )[-1]["view"]
    assert opened["callback_id"] == "action_item_deadline"
    before = len(_publishes(world.sandbox, BOB))

    new_day = TODAY + timedelta(days=30)
    picked = {
        "deadline": {"deadline": {"type": "datepicker", "selected_date": new_day.isoformat()}}
    }
    saved = world.driver.view_submission(BOB, opened, picked)

    assert saved.status_code == 200 and not saved.content
    redrawn = world.sandbox.wait_for(lambda: _publishes(world.sandbox, BOB)[before:])[-1]
    assert f":calendar: AI-001 is now due {day_label(new_day)}." in visible_text(redrawn)
    assert world.sandbox.poll(lambda: world.item("pool").deadline == new_day)


def test_a_stale_home_button_is_refused_in_a_direct_message_and_changes_nothing(
    world: World,
) -> None:
    _opened(world, BOB)
    with world.db.begin() as session:
        session.get_one(ActionItem, world.items["runbook"]).owner_id = ALICE  # handed over

    world.driver.home_click(BOB, "action_item_done", f"{world.items['runbook']}:home")

    said = world.sandbox.wait_for(lambda: dms(world.sandbox, BOB))
    assert "Only <@U0ALICE> (the owner) or <@U0ALICE> (the post-mortem lead)" in said[-1]["text"]
    assert world.item("runbook").status == "open"


def test_an_owner_with_60_items_gets_a_home_slack_accepts(world: World) -> None:
    for number in range(4, 64):
        deadline = date(2030, 1, 1) + timedelta(days=number)
        add_item(world.db, world.checkout, number, BOB, f"Chore {number}", deadline=deadline)

    home = _opened(world, BOB)

    assert view_problems(home) == [] and len(home["blocks"]) <= 100
    assert world.sandbox.refusals() == []
    text = visible_text(home)
    assert "*AI-001* Add pool metrics" in text, "the soonest deadline first"
    assert "*AI-022* Chore 22" in text and "Chore 23" not in text, "20 shown"
    assert "…and 42 more: `/postmortem actions` lists them all." in text


def test_the_messages_tab_and_a_retried_delivery_publish_nothing_more(world: World) -> None:
    world.driver.open_home(BOB, tab="messages")
    _opened(world, BOB)
    assert len(_publishes(world.sandbox, BOB)) == 1, "the Messages tab draws nothing"

    event_id = "Ev0HOMERETRY1"
    channel = world.sandbox.slack.dm_channel(BOB)
    event = {"type": "app_home_opened", "user": BOB, "channel": channel, "tab": "home"}
    event["event_ts"] = f"{NOW.timestamp():.6f}"
    world.driver.deliver_event(event, event_id=event_id)
    world.sandbox.wait_for(lambda: len(_publishes(world.sandbox, BOB)) == 2)
    world.driver.deliver_event(event, event_id=event_id, retry_num=1)
    _opened(world, BOB)  # a later open is drawn: everything before it was handled
    assert len(_publishes(world.sandbox, BOB)) == 3, "the retry published nothing"


def test_by_hand_a_person_opens_the_home_and_presses_done_there(world: World) -> None:
    """`postmortem-bot sandbox home --as bob`, then `click action_item_done`: the sandbox's
    hands find the button in the Home when no message shows it."""
    control = Control(world.sandbox, world.bot.url, channel=INCIDENT_CHANNEL, settle=0.3)

    opened = control.routes["home"]({"as": "bob"})

    home = [item for item in opened["said"] if item.get("home")]
    assert home and home[-1]["private_to"] == "bob"
    assert "Add pool metrics" in home[-1]["text"]
    lines = [line for item in opened["said"] for line in hands.item_lines(item)]
    assert lines[0].startswith("(the Home tab of bob) ")
    assert any("[Done] click action_item_done --value" in line for line in lines)

    pressed = control.routes["click"]({"as": "bob", "action_id": "action_item_done"})

    assert pressed["done"]["text"] == "pressed [Done] in the Home tab"
    redrawn = [item for item in pressed["said"] if item.get("home")]
    assert redrawn and ":white_check_mark: AI-001 is done." in redrawn[-1]["text"]
    assert world.sandbox.poll(lambda: world.item("pool").status == "done")
