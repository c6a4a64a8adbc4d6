"""A backfill under Slack's 2025 limit for apps outside the Marketplace.

`conversations.history` and `.replies`: one request per window each, 15 messages a
page, a 429 with Retry-After above it. The sandbox plays that limit with a window of
a few seconds instead of a minute (`HistoryLimit`); the bot is not told and learns it
from the 429s. The channel holds 60 messages before `/postmortem start`, one with a
thread: five history pages and a replies page, a window apart. The test checks the
one progress message (edited, never posted again) says how far it got and the time
left, that a message posted meanwhile is filed at once, and that the timeline says
what is not read until it is all read.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox, payloads
from bot.sandbox.driver import Driver
from bot.sandbox.rate_limits import HistoryLimit
from storage.models import BackfillProgress, TimelineEvent, TimelineGap
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
WINDOW_SECONDS = 2.0
BEFORE = 60  # messages in the channel before the start
REPLIES = 3


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    limit = HistoryLimit(seconds=WINDOW_SECONDS)
    with Sandbox(rate_window_seconds=1.0, history_limit=limit) as sandbox:
        sandbox.slack.add_user(ALICE, "alice", real_name="Alice Ng", tz="Europe/Berlin")
        sandbox.slack.add_user(BOB, "bob", real_name="Bob Diaz", tz="America/New_York")
        created = int(time.time()) - 7200
        sandbox.slack.add_channel(
            CHANNEL, "inc-checkout-500s", members=(ALICE, BOB), created=created
        )
        yield sandbox
        assert not sandbox.refusals()


def _seed(sandbox: Sandbox) -> list[str]:
    """60 messages over the last hour, the 10th with a thread; their ts, oldest first."""
    start = time.time() - 3600
    stamps = []
    for n in range(BEFORE):
        who = ALICE if n % 2 else BOB
        posted = sandbox.slack.post_as_user(
            CHANNEL, who, f"firefighting note {n}", ts=f"{start + n * 50:.6f}"
        )
        stamps.append(posted["ts"])
    for r in range(REPLIES):
        sandbox.slack.post_as_user(
            CHANNEL, ALICE, f"reply {r}", thread_ts=stamps[9], ts=f"{start + 9 * 50 + r + 1:.6f}"
        )
    return stamps


def _progress(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The bot's messages in the post-mortem's thread that speak of reading history."""
    mine = sandbox.slack.bot_id
    opening = [m for m in sandbox.slack.messages(CHANNEL) if m.get("bot_id") == mine]
    if not opening:
        return []
    thread = sandbox.slack.replies(CHANNEL, opening[0]["ts"])[1:]
    words = ("Reading this channel's history", "Timeline gathered")
    return [m for m in thread if m.get("bot_id") == mine and m["text"].startswith(words)]


def _updates(sandbox: Sandbox, ts: str) -> list[str]:
    with sandbox.slack.lock:
        calls = list(sandbox.slack.calls)
    return [
        str(call.params.get("text"))
        for call in calls
        if call.method == "chat.update" and call.params.get("ts") == ts and call.error is None
    ]


def _filed(db: sessionmaker[Session], ts: str) -> bool:
    with db() as session:
        keys = session.scalars(select(TimelineEvent.source_key)).all()
    return any(key.endswith(f":{ts}") for key in keys)


def _unfinished(db: sessionmaker[Session]) -> list[str]:
    """The words of the timeline's "not read yet" gap while the backfill runs."""
    with db() as session:
        if session.scalars(select(BackfillProgress)).first() is None:
            return []
        gaps = session.scalars(
            select(TimelineGap).where(TimelineGap.kind == "backfill_unfinished")
        ).all()
        return [gap.reason or gap.kind for gap in gaps]


def _so_far(text: str) -> int:
    """The messages a progress line says were read so far."""
    found = re.search(r"timeline: (\d+) messages?,", text)
    assert found, text
    return int(found[1])


def _counted(db: sessionmaker[Session]) -> int:
    with db() as session:
        return len(session.scalars(select(TimelineEvent.id)).all())


def test_a_limited_backfill_goes_on_in_the_background_while_live_messages_are_filed(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    stamps = _seed(sandbox)

    assert driver.slash_command(ALICE, CHANNEL, "start Checkout 500s").status_code == 200

    paused = sandbox.wait_for(
        lambda: [m for m in _progress(sandbox) if "in the background" in m["text"]], timeout=20
    )[0]
    assert 0 < _so_far(paused["text"]) <= 15, "one page of 15 before the first 429"
    assert f"one history read every {WINDOW_SECONDS:.0f} s" in paused["text"]
    assert " left" in paused["text"]
    gap = sandbox.poll(lambda: _unfinished(bot_db))
    assert gap, "the timeline says what is not read yet"

    live = sandbox.slack.post_as_user(CHANNEL, BOB, "rollback done, 500s falling")
    event = payloads.message_event(sandbox.slack, CHANNEL, live)
    assert driver.deliver_event(event).status_code == 200
    assert _filed(bot_db, live["ts"]), "filed before the ack, the backfill still paused"
    assert _unfinished(bot_db), "the backfill has not finished yet"

    done = sandbox.wait_for(
        lambda: [m for m in _progress(sandbox) if m["text"].startswith("Timeline gathered")],
        timeout=60,
    )[0]
    assert f"{BEFORE + REPLIES} messages" in done["text"]
    assert len(_progress(sandbox)) == 1, "one progress message, edited in place"
    texts = _updates(sandbox, done["ts"])
    paused_texts = [text for text in texts if "in the background" in text]
    counts = [_so_far(text) for text in paused_texts]
    assert len(counts) >= 4, "each pause is said, with the count so far"
    assert counts == sorted(counts) and counts[-1] > counts[0], "the count grows"
    assert sandbox.poll(lambda: not _unfinished(bot_db))
    assert all(_filed(bot_db, ts) for ts in stamps)
    assert _counted(bot_db) >= BEFORE + REPLIES + 1
    refused = [
        c for c in sandbox.slack.calls if c.method == "conversations.history" and c.status == 429
    ]
    assert refused, "Slack's limit was met, and learned from its 429s"
