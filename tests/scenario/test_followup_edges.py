"""Follow-up's rough edges, through the real `serve` and `remind`: a new item is announced,
not nagged; a refused deadline change is not drawn as done; nudges count what was sent;
the dry run names people."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.core.followup import day_label
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem
from tests.followup_seed import add_item, add_postmortem, dms, remind
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
NOW = datetime.now(UTC)
# Alice is in Berlin: her Monday 09:00 digest window is open at 08:30 UTC (or 07:30).
MONDAY = datetime.combine(NOW.date() - timedelta(days=NOW.weekday()), time(), tzinfo=UTC)
ALICE_MORNING = MONDAY + timedelta(hours=8, minutes=30)


def _sessions(bot: BotProcess) -> Any:
    return make_sessionmaker(make_engine(bot.database_url))


def _texts(message: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in message.get("blocks", []) if b.get("text"))


def _postmortem(db: Any, sandbox: Sandbox, **extra: Any) -> int:
    opening = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem: checkout 500s")
    return add_postmortem(
        db,
        channel_id=CHANNEL,
        lead=ALICE,
        title="Checkout 500s",
        thread_ts=opening["ts"],
        **{"created_at": MONDAY - timedelta(weeks=2), **extra},
    )


def test_an_item_created_within_a_day_waits_for_next_weeks_digest(
    sandbox: Sandbox, bot: BotProcess
) -> None:
    db = _sessions(bot)
    pm = _postmortem(db, sandbox, published_at=MONDAY - timedelta(weeks=1))
    add_item(db, pm, 1, ALICE, "Add pool metrics to the checkout dashboard")
    fresh = ALICE_MORNING - timedelta(minutes=20)  # agreed in the interview this morning
    add_item(db, pm, 2, ALICE, "Alert on pool saturation above 80%", created_at=fresh)

    remind(sandbox, bot.database_url, ALICE_MORNING)
    (digest,) = dms(sandbox, ALICE)
    assert "*AI-001*" in _texts(digest) and "AI-002" not in _texts(digest)

    remind(sandbox, bot.database_url, ALICE_MORNING + timedelta(weeks=1))
    later = dms(sandbox, ALICE)[-1]
    assert "*AI-001*" in _texts(later) and "*AI-002*" in _texts(later)


def test_a_first_nudge_after_a_gap_says_reminder_1_and_is_the_last(
    sandbox: Sandbox, bot: BotProcess
) -> None:
    ended = NOW - timedelta(hours=152)
    _postmortem(_sessions(bot), sandbox, created_at=ended, incident_end=ended)

    remind(sandbox, bot.database_url, NOW)
    (nudge,) = [m for m in dms(sandbox, ALICE) if "not published" in m["text"]]
    text = _texts(nudge)
    assert "152 hours ago" in text and "(Reminder 1, the last one.)" in text
    assert "5 of 5" not in text


def test_the_dry_run_names_people(sandbox: Sandbox, bot: BotProcess) -> None:
    db = _sessions(bot)
    pm = _postmortem(db, sandbox, published_at=MONDAY - timedelta(weeks=1))
    add_item(db, pm, 1, ALICE, "Add pool metrics to the checkout dashboard")

    printed = remind(sandbox, bot.database_url, ALICE_MORNING, "--dry-run")

    assert "to Alice Ng (U0ALICE)" in printed
    assert sandbox.slack.call_count("chat.postMessage") == 0


def test_a_refused_deadline_change_is_not_drawn_as_done(
    sandbox: Sandbox, bot: BotProcess, driver: Driver
) -> None:
    db = _sessions(bot)
    pm = _postmortem(db, sandbox, published_at=MONDAY - timedelta(weeks=1))
    due = MONDAY.date() + timedelta(weeks=3)
    item_id = add_item(db, pm, 1, ALICE, "Add pool metrics", deadline=due)
    remind(sandbox, bot.database_url, ALICE_MORNING)
    (digest,) = dms(sandbox, ALICE)
    dm = sandbox.slack.dm_id(ALICE)
    driver.block_action(
        ALICE, dm, "action_item_deadline", f"{item_id}:digest", message_ts=digest["ts"]
    )
    opened = sandbox.wait_for(lambda: sandbox.slack.views)[-1]["view"]

    past = {"deadline": {"deadline": {"type": "datepicker", "selected_date": "2020-01-01"}}}
    refused = driver.view_submission(ALICE, opened, past)
    assert refused.json()["response_action"] == "errors"

    # Something the bot does later in the same channel shows the lazy redraw had its chance.
    sandbox.slack.post_as_user(CHANNEL, ALICE, "still here")
    driver.slash_command(ALICE, CHANNEL, "actions")
    sandbox.wait_for(lambda: sandbox.slack.responses)
    shown = sandbox.slack.message(dm, digest["ts"])
    assert "is now due" not in _texts(shown) and "edited" not in shown
    with db() as session:
        assert session.get_one(ActionItem, item_id).deadline == due
    assert day_label(due) in _texts(shown)
