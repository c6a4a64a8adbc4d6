"""Follow-up against the sandbox: weekly digests, their buttons, the 48-hour nudge, the review.

The real bot serves the buttons; `postmortem-bot remind --at` runs the jobs as of
a time the test chooses, so no test waits for a clock. The buttons act on the real
date (a snooze lasts a week from today), so the tests' weeks start this Monday.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.followup import day_label
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Followup, Postmortem
from tests.followup_seed import add_item, add_postmortem, dms, remind
from tests.scenario.conftest import INCIDENT_CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
OTHER_CHANNEL = "C0OTHER"
_TODAY = datetime.now(UTC).date()
MONDAY = datetime.combine(_TODAY - timedelta(days=_TODAY.weekday()), time(), tzinfo=UTC)
# 09:30 or 10:30 in Berlin (by daylight saving), 03:30 or 04:30 in New York.
ALICE_MORNING = MONDAY + timedelta(hours=8, minutes=30)
BOB_MORNING = MONDAY + timedelta(hours=14, minutes=30)  # 09:30 or 10:30 in New York
WEEK = timedelta(weeks=1)
OVERDUE = MONDAY.date() - timedelta(days=3)
LATER = MONDAY.date() + timedelta(weeks=4)
NEW_DEADLINE = MONDAY.date() + timedelta(days=400)


@dataclass(frozen=True)
class World:
    sandbox: Sandbox
    bot: BotProcess
    driver: Driver
    db: sessionmaker[Session]
    thread_ts: str
    checkout: int
    items: dict[str, int]

    def remind(self, at: datetime, *extra: str) -> str:
        return remind(self.sandbox, self.bot.database_url, at, *extra)

    def item(self, name: str) -> ActionItem:
        with self.db() as session:
            return session.get_one(ActionItem, self.items[name])


@pytest.fixture
def world(sandbox: Sandbox, bot: BotProcess, driver: Driver) -> Iterator[World]:
    """Two post-mortems: checkout (lead Alice) and search (lead Bob), four items."""
    sandbox.slack.add_channel(OTHER_CHANNEL, "inc-search-slow", members=(ALICE, BOB))
    opening = sandbox.slack.post_as_user(INCIDENT_CHANNEL, ALICE, "Post-mortem: checkout 500s")
    engine = make_engine(bot.database_url)
    db = make_sessionmaker(engine)
    checkout = add_postmortem(
        db,
        channel_id=INCIDENT_CHANNEL,
        lead=ALICE,
        title="Checkout 500s <!channel>",
        thread_ts=opening["ts"],
        created_at=MONDAY - WEEK,
        published_at=MONDAY - WEEK,
    )
    search = add_postmortem(
        db,
        channel_id=OTHER_CHANNEL,
        lead=BOB,
        title="Search slow",
        created_at=MONDAY - WEEK,
        published_at=MONDAY - WEEK,
    )
    items = {
        "pool": add_item(db, checkout, 1, ALICE, "Add pool metrics", deadline=OVERDUE),
        "runbook": add_item(db, checkout, 2, BOB, "Write the failover runbook"),
        "alert": add_item(db, checkout, 3, ALICE, "Alert on 5xx > 1%", deadline=LATER),
        "index": add_item(db, search, 1, ALICE, "Rebuild the index nightly"),
    }
    yield World(sandbox, bot, driver, db, opening["ts"], checkout, items)
    engine.dispose()


def _section_texts(message: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in message.get("blocks", []) if b.get("text"))


def _click(world: World, user: str, action: str, item: str, **where: Any) -> None:
    listing = where.pop("listing", "digest")
    value = f"{world.items[item]}:{listing}"
    channel = where.pop("channel", world.sandbox.slack.dm_id(user))
    response = world.driver.block_action(user, channel, action, value, **where)
    assert response.status_code == 200


def test_the_digest_is_one_dm_per_owner_in_their_own_morning(world: World) -> None:
    world.remind(ALICE_MORNING)

    alice = dms(world.sandbox, ALICE)
    assert len(alice) == 1 and dms(world.sandbox, BOB) == [], "Bob's 09:00 has not come yet"
    text = _section_texts(alice[0])
    for code, action in (
        ("AI-001", "Add pool metrics"),
        ("AI-003", "Alert on 5xx"),
        ("AI-001", "Rebuild the index"),
    ):
        assert f"*{code}* {action}" in text
    assert "Write the failover runbook" not in text, "Bob's item is not in Alice's digest"
    assert "Checkout 500s @channel" in text and "<!channel>" not in text, "a broadcast, inert"
    assert "<#C0INCIDENT>" in text and "<#C0OTHER>" in text
    assert text.count(":warning: *overdue*") == 1, "only the pool metrics deadline has passed"
    actions = [
        e["action_id"] for b in alice[0]["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions.count("action_item_done") == 3 and actions.count("action_item_deadline") == 3

    world.remind(ALICE_MORNING + timedelta(minutes=20))
    world.remind(BOB_MORNING)
    assert len(dms(world.sandbox, ALICE)) == 1, "one digest a week, however often the jobs run"
    bob = dms(world.sandbox, BOB)
    assert len(bob) == 1 and "Write the failover runbook" in _section_texts(bob[0])


def test_done_updates_the_dm_in_place_tells_the_thread_and_leaves_next_week(world: World) -> None:
    world.remind(ALICE_MORNING)
    digest = dms(world.sandbox, ALICE)[0]

    _click(world, ALICE, "action_item_done", "pool", message_ts=digest["ts"])

    sandbox = world.sandbox
    thread = sandbox.wait_for(lambda: sandbox.slack.replies(INCIDENT_CHANNEL, world.thread_ts)[1:])
    assert "*AI-001* done, by <@U0ALICE>" in thread[0]["text"]
    channel = sandbox.slack.dm_id(ALICE)
    sandbox.wait_for(lambda: sandbox.slack.message(channel, digest["ts"]).get("edited"))
    updated = sandbox.slack.message(channel, digest["ts"])
    assert "~*AI-001* Add pool metrics~" in _section_texts(updated)
    assert f"ai-actions-{world.items['pool']}" not in [b.get("block_id") for b in updated["blocks"]]
    assert "*AI-003* Alert on 5xx" in _section_texts(updated), "the other items stay listed"
    done = world.item("pool")
    assert done.status == "done" and done.done_by == ALICE

    world.remind(ALICE_MORNING + WEEK)
    next_week = dms(sandbox, ALICE)[-1]
    assert len(dms(sandbox, ALICE)) == 2
    assert "Add pool metrics" not in _section_texts(next_week)
    assert "Alert on 5xx" in _section_texts(next_week)


def test_snooze_leaves_an_item_out_of_next_weeks_digest_only(world: World) -> None:
    world.remind(ALICE_MORNING)
    digest = dms(world.sandbox, ALICE)[0]

    _click(world, ALICE, "action_item_snooze", "alert", message_ts=digest["ts"])

    world.sandbox.wait_for(lambda: world.item("alert").snoozed_until is not None)
    assert world.item("alert").snoozed_until >= (MONDAY + WEEK).date()
    assert world.item("alert").status == "open"
    world.remind(ALICE_MORNING + WEEK)
    assert "Alert on 5xx" not in _section_texts(dms(world.sandbox, ALICE)[-1])
    world.remind(ALICE_MORNING + 2 * WEEK)
    assert "Alert on 5xx" in _section_texts(dms(world.sandbox, ALICE)[-1])


def test_change_deadline_opens_a_date_picker_and_saves_the_date(world: World) -> None:
    world.remind(ALICE_MORNING)
    digest = dms(world.sandbox, ALICE)[0]
    _click(world, ALICE, "action_item_deadline", "pool", message_ts=digest["ts"])
    opened = world.sandbox.wait_for(lambda: world.sandbox.slack.views)[-1]["view"]
    assert opened["callback_id"] == "action_item_deadline"

    too_early = world.driver.view_submission(ALICE, opened, _picked("2020-01-01"))
    assert too_early.json()["response_action"] == "errors"
    assert world.item("pool").deadline == OVERDUE

    saved = world.driver.view_submission(ALICE, opened, _picked(NEW_DEADLINE.isoformat()))
    assert saved.status_code == 200 and not saved.content
    assert world.item("pool").deadline == NEW_DEADLINE
    channel = world.sandbox.slack.dm_id(ALICE)
    updated = world.sandbox.wait_for(
        lambda: (
            day_label(NEW_DEADLINE)
            in _section_texts(world.sandbox.slack.message(channel, digest["ts"]))
        )
    )
    assert updated


def _picked(day: str) -> dict[str, Any]:
    return {"deadline": {"deadline": {"type": "datepicker", "selected_date": day}}}


def test_only_the_owner_or_the_lead_may_change_an_item(world: World) -> None:
    world.driver.slash_command(BOB, INCIDENT_CHANNEL, "actions all")
    listed = world.sandbox.wait_for(lambda: world.sandbox.slack.responses)[0]["body"]
    assert listed["response_type"] == "ephemeral"
    assert "Write the failover runbook" in json.dumps(listed["blocks"])

    for action in ("action_item_done", "action_item_snooze", "action_item_deadline"):
        _click(world, BOB, action, "pool", listing="all", channel=INCIDENT_CHANNEL)
    world.sandbox.wait_for(lambda: len(_refusals(world)) == 3)
    refusals = _refusals(world)
    assert all(r["body"]["response_type"] == "ephemeral" for r in refusals)
    assert "<@U0ALICE> (the owner)" in refusals[0]["body"]["text"]
    pool = world.item("pool")
    assert (pool.status, pool.snoozed_until, pool.deadline) == ("open", None, OVERDUE)
    assert not world.sandbox.slack.views, "no date picker for someone who may not use it"

    # The lead may: Alice leads checkout, so she closes Bob's runbook item.
    _click(world, ALICE, "action_item_done", "runbook", listing="all", channel=INCIDENT_CHANNEL)
    world.sandbox.wait_for(lambda: world.item("runbook").status == "done")


def _refusals(world: World) -> list[dict[str, Any]]:
    return [r for r in world.sandbox.slack.responses if "Only" in r["body"].get("text", "")]


def test_actions_lists_the_callers_open_items_privately(world: World) -> None:
    world.driver.slash_command(ALICE, OTHER_CHANNEL, "actions")
    answer = world.sandbox.wait_for(lambda: world.sandbox.slack.responses)[0]["body"]
    listed = json.dumps(answer["blocks"])
    assert answer["response_type"] == "ephemeral"
    assert "Add pool metrics" in listed and "Rebuild the index" in listed
    assert "failover runbook" not in listed

    _click(world, ALICE, "action_item_done", "index", listing="mine", channel=OTHER_CHANNEL)
    replaced = world.sandbox.wait_for(
        lambda: [r for r in world.sandbox.slack.responses if r["body"].get("replace_original")]
    )[0]["body"]
    assert "Rebuild the index" not in json.dumps(replaced["blocks"])
    assert "AI-001 is done" in json.dumps(replaced["blocks"])


def test_the_48_hour_nudge_repeats_daily_until_published_five_at_most(world: World) -> None:
    ended = MONDAY + timedelta(hours=10)
    stampede = add_postmortem(
        world.db,
        channel_id="C0STAMPEDE",
        lead=BOB,
        title="Cache stampede",
        created_at=ended,
        incident_end=ended,
    )
    world.sandbox.slack.add_channel("C0STAMPEDE", "inc-cache", members=(BOB,))
    thread = world.sandbox.slack.post_as_user("C0STAMPEDE", BOB, "Post-mortem: cache stampede")
    with world.db.begin() as session:
        session.get_one(Postmortem, stampede).thread_ts = thread["ts"]

    def nudges() -> tuple[int, int]:
        to_lead = [m for m in dms(world.sandbox, BOB) if "not published" in m["text"]]
        in_thread = world.sandbox.slack.replies("C0STAMPEDE", thread["ts"])[1:]
        return len(to_lead), len(in_thread)

    world.remind(ended + timedelta(hours=47))
    assert nudges() == (0, 0)
    world.remind(ended + timedelta(hours=49))
    assert nudges() == (1, 1)
    assert "<@U0BOB>" in _section_texts(world.sandbox.slack.replies("C0STAMPEDE", thread["ts"])[1])
    world.remind(ended + timedelta(hours=60))
    assert nudges() == (1, 1), "daily, not every tick"
    for day in range(1, 7):
        world.remind(ended + timedelta(hours=49 + 24 * day))
    assert nudges() == (5, 5), "five at most"


def test_publishing_stops_the_nudges(world: World) -> None:
    ended = MONDAY
    stampede = add_postmortem(
        world.db,
        channel_id="C0STAMPEDE",
        lead=BOB,
        title="Cache stampede",
        created_at=ended,
        incident_end=ended,
    )
    world.sandbox.slack.add_channel("C0STAMPEDE", "inc-cache", members=(BOB,))
    world.remind(ended + timedelta(hours=49))
    with world.db.begin() as session:
        published = session.get_one(Postmortem, stampede)
        published.status, published.published_at = "published", ended + timedelta(hours=50)
    world.remind(ended + timedelta(hours=73))
    lead_nudges = [m for m in dms(world.sandbox, BOB) if "not published" in m["text"]]
    assert len(lead_nudges) == 1


def test_the_followup_review_four_weeks_after_publishing(world: World) -> None:
    review_morning = MONDAY - WEEK + timedelta(weeks=4, hours=8, minutes=30)
    world.remind(review_morning - timedelta(days=1))
    assert not _reviews(world), "not before the day"

    world.remind(review_morning)
    (review,) = _reviews(world)
    text = _section_texts(review)
    assert "0 of 3 action items done" in text
    assert all(code in text for code in ("*AI-001*", "*AI-002*", "*AI-003*"))
    world.remind(review_morning + timedelta(hours=2))
    assert len(_reviews(world)) == 1

    def press(user: str) -> None:
        pressed = world.driver.block_action(
            user,
            INCIDENT_CHANNEL,
            "followup_review_confirm",
            str(world.checkout),
            message_ts=review["ts"],
        )
        assert pressed.status_code == 200

    def blocks() -> str:
        return json.dumps(world.sandbox.slack.message(INCIDENT_CHANNEL, review["ts"])["blocks"])

    press(BOB)
    assert (
        "<@U0ALICE>, the post-mortem lead"
        in world.sandbox.wait_for(lambda: _refusals(world))[0]["body"]["text"]
    )
    press(ALICE)
    world.sandbox.wait_for(lambda: "Review confirmed by <@U0ALICE>" in blocks())
    assert "followup_review_confirm" not in blocks(), "the button is gone once confirmed"
    with world.db() as session:
        postmortem = session.get_one(Postmortem, world.checkout)
        assert postmortem.review_confirmed_by == ALICE and postmortem.review_confirmed_at


def test_followup_moves_the_review_and_only_the_lead_may(world: World) -> None:
    moved = MONDAY.date() + timedelta(days=16)
    world.driver.slash_command(BOB, INCIDENT_CHANNEL, f"followup {moved.isoformat()}")
    refused = world.sandbox.wait_for(lambda: world.sandbox.slack.responses)[0]["body"]
    assert "Only <@U0ALICE>" in refused["text"]

    world.driver.slash_command(ALICE, INCIDENT_CHANNEL, f"followup {moved.isoformat()}")
    world.sandbox.wait_for(lambda: len(world.sandbox.slack.responses) >= 2)
    with world.db() as session:
        assert session.get_one(Postmortem, world.checkout).followup_review_on == moved

    world.remind(datetime.combine(moved, time(8, 30), tzinfo=UTC))
    assert len(_reviews(world)) == 1


def _reviews(world: World) -> list[dict[str, Any]]:
    return [
        m
        for m in world.sandbox.slack.messages(INCIDENT_CHANNEL)
        if m.get("bot_id") and m["text"].startswith("Follow-up review")
    ]


def test_dry_run_says_who_would_get_what_and_sends_nothing(world: World) -> None:
    printed = world.remind(ALICE_MORNING, "--dry-run")

    assert "digest" in printed and "to Alice Ng (U0ALICE)" in printed and "AI-001" in printed
    assert "U0BOB" not in printed.split("digests")[0]
    assert world.sandbox.slack.call_count("chat.postMessage") == 0
    with world.db() as session:
        assert session.scalars(select(Followup)).all() == [], "a dry run claims nothing"
