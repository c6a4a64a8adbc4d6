"""Killed mid-post (issue 11, point 5): a crash neither wedges a post-mortem nor posts twice.

The real `serve` with one inbox worker. The sandbox holds one Slack method, so the bot is
killed (-9) while exactly that call is in flight; the held call is then let through, as
Slack would finish a request whose caller died, and the bot is started again on the same
database and port. The inbox replays the interrupted command; the flow finds what the
dead process posted by its Slack message metadata and adopts it instead of posting again.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.timeline import GapKind
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, free_port, running_bot
from bot.services import timeline as timeline_service
from storage.models import Postmortem, ReportRecord, TimelineEvent
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import seed_postmortem
from tests.scenario.test_durable import _driver, _open_items, db

__all__ = ["db"]  # the fixture, shared with the durable scenarios

ALICE = "U0ALICE"
SETTINGS = {"INBOX_WORKERS": "1"}
WAIT = 30.0
QUESTION = "*Summary.*"  # the interview's first question


def _kill_while_held(
    sandbox: Sandbox, bot: BotProcess, method: str, *, reaches_slack: bool = True
) -> None:
    """Kill -9 the bot once a call to `method` is held, then let that call through (as
    Slack finishes a request whose caller died), or with `reaches_slack=False` end it
    unheard (the process died before its request was sent)."""
    sandbox.wait_for(lambda: sandbox.latency.waiting(method) >= 1, timeout=WAIT)
    os.kill(bot.process.pid, signal.SIGKILL)
    assert bot.process.wait(timeout=WAIT) == -signal.SIGKILL
    if reaches_slack:
        sandbox.latency.release(method)
    else:
        sandbox.latency.drop(method)
    sandbox.wait_for(lambda: sandbox.latency.waiting(method) == 0, timeout=WAIT)


def _stamped(sandbox: Sandbox, event_type: str) -> list[dict[str, Any]]:
    return [
        m
        for m in sandbox.slack.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == event_type
    ]


def _questions(sandbox: Sandbox, thread_ts: str) -> int:
    return sum(QUESTION in m.get("text", "") for m in sandbox.slack.replies(CHANNEL, thread_ts))


def _drained(db: sessionmaker[Session]) -> bool:
    return _open_items(db) == 0


def _postmortem(db: sessionmaker[Session]) -> Postmortem:
    with db() as session:
        return session.scalars(select(Postmortem)).one()


def test_killed_while_the_opening_message_is_in_flight_start_and_interview_work_after_restart(
    sandbox: Sandbox, database_url: str, db: sessionmaker[Session]
) -> None:
    port = free_port()
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        sandbox.latency.hold("chat.postMessage")
        driver = _driver(bot, sandbox)
        assert driver.slash_command(ALICE, CHANNEL, "start Checkout 500s").status_code == 200
        _kill_while_held(sandbox, bot, "chat.postMessage")
    assert len(_stamped(sandbox, "postmortem_opened")) == 1, "Slack finished the dead call"
    assert _postmortem(db).thread_ts is None, "the bot died before it kept the thread"

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        driver = _driver(bot, sandbox)
        sandbox.wait_for(lambda: _drained(db) and _postmortem(db).thread_ts, timeout=WAIT)
        (opener,) = _stamped(sandbox, "postmortem_opened")
        assert _postmortem(db).thread_ts == opener["ts"], "the replay adopted the first opener"
        sandbox.wait_for(lambda: _questions(sandbox, opener["ts"]) == 1, timeout=WAIT)

        assert driver.slash_command(ALICE, CHANNEL, "interview").status_code == 200
        sandbox.wait_for(lambda: _questions(sandbox, opener["ts"]) == 2, timeout=WAIT)
        assert driver.slash_command(ALICE, CHANNEL, "start").status_code == 200
        sandbox.wait_for(lambda: _drained(db), timeout=WAIT)
        said = [r["body"].get("text", "") for r in sandbox.slack.responses]
        assert any("already running" in text for text in said)
        assert len(_stamped(sandbox, "postmortem_opened")) == 1


def _summaries(sandbox: Sandbox) -> list[dict[str, Any]]:
    return _stamped(sandbox, "postmortem_summary")


def _report_files(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [f for f in sandbox.slack.files if f["filename"].startswith("postmortem-")]


def _report(db: sessionmaker[Session]) -> ReportRecord | None:
    with db() as session:
        return session.scalars(select(ReportRecord)).one_or_none()


@pytest.mark.parametrize("held", ["chat.postMessage", "files.completeUploadExternal"])
def test_killed_mid_publish_the_replay_leaves_exactly_one_summary_and_one_file(
    sandbox: Sandbox, database_url: str, db: sessionmaker[Session], held: str
) -> None:
    """`chat.postMessage`: the summary is in flight; `files.completeUploadExternal`: the
    summary is posted and the report's file is being shared."""
    port = free_port()
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
        seed_postmortem(db, CHANNEL, root["ts"])
        sandbox.latency.hold(held)
        assert _driver(bot, sandbox).slash_command(ALICE, CHANNEL, "publish").status_code == 200
        _kill_while_held(sandbox, bot, held)
    sandbox.wait_for(lambda: _report_files(sandbox) if "files" in held else True, timeout=WAIT)
    assert len(_summaries(sandbox)) == 1, "Slack finished the dead call"
    assert _report(db).channel_ts is None, "the bot died before it recorded the publish"

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        sandbox.wait_for(lambda: _drained(db) and _report(db).channel_ts, timeout=WAIT)
        (summary,) = _summaries(sandbox)
        (document,) = _report_files(sandbox)
        record = _report(db)
        assert record is not None and record.publish_count == 1
        assert (record.channel_ts, record.file_id) == (summary["ts"], document["id"])
        assert record.claimed_at is None, "the replay finished the publish and let the claim go"
        said = [r["body"].get("text", "") for r in sandbox.slack.responses]
        assert any(text.startswith("Published") for text in said), said
        assert not any("publishing this report right now" in text for text in said)

        assert _driver(bot, sandbox).slash_command(ALICE, CHANNEL, "publish").status_code == 200
        second = sandbox.wait_for(lambda: _report_files(sandbox)[1:], timeout=WAIT)[0]
    assert [m["ts"] for m in _summaries(sandbox)] == [summary["ts"]], "updated in place"
    assert second["thread_ts"] == summary["ts"]


LONG = 2_100  # three history pages of 999, 999 and 102


def _history_rows(db: sessionmaker[Session]) -> tuple[int, int]:
    """(timeline rows read from the channel, distinct messages among them)."""
    with db() as session:
        query = select(func.count(), func.count(func.distinct(TimelineEvent.source_key)))
        row = session.execute(query.where(TimelineEvent.source == "slack")).one()
        return row[0], row[1]


def _unfinished(db: sessionmaker[Session]) -> list[str]:
    """The timeline's words for a backfill not finished yet, as timeline.md and the report say."""
    with db() as session:
        postmortem = session.scalars(select(Postmortem)).one_or_none()
        if postmortem is None:
            return []
        view = timeline_service.view(session, postmortem.id)
    return [gap.describe() for gap in view.gaps if gap.kind is GapKind.BACKFILL_UNFINISHED]


def _history_calls(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [c.params for c in sandbox.slack.calls if c.method == "conversations.history"]


def test_killed_mid_backfill_the_gap_is_stated_and_the_restart_finishes_it_by_itself(
    sandbox: Sandbox, database_url: str, db: sessionmaker[Session]
) -> None:
    for number in range(LONG):
        sandbox.slack.post_as_user(CHANNEL, ALICE, f"status update {number}")
    port = free_port()
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        sandbox.latency.hold("conversations.history", after=1)
        assert _driver(bot, sandbox).slash_command(ALICE, CHANNEL, "start").status_code == 200
        # Page 1 (the opener and the newest 998 updates) is filed; page 2 is held.
        sandbox.wait_for(lambda: "history before" in " ".join(_unfinished(db)), timeout=WAIT)
        _kill_while_held(sandbox, bot, "conversations.history")
    (said,) = _unfinished(db)
    assert "is not finished (history before " in said and " UTC not read yet)" in said, said
    assert _history_rows(db) == (998, 998)

    calls_before = len(_history_calls(sandbox))
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        sandbox.wait_for(lambda: _drained(db) and not _unfinished(db), timeout=WAIT)
        assert "backfill resumed" in bot.log()
    assert _history_rows(db) == (LONG, LONG), "every message once"
    resumed = _history_calls(sandbox)[calls_before:]
    page_1 = sorted((m["ts"] for m in sandbox.slack.messages(CHANNEL)), key=float)[-999:]
    assert resumed[0]["latest"] == page_1[0], "read on from page 1's oldest: page 1 not again"
    assert len(resumed) == 3, "the rest in two pages, then what came since in one"


def test_killed_before_the_opening_message_reached_slack_the_restart_posts_it_once(
    sandbox: Sandbox, database_url: str, db: sessionmaker[Session]
) -> None:
    """The opener's `chat.postMessage` dies with the process, unheard: nothing to adopt."""
    port = free_port()
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        sandbox.latency.hold("chat.postMessage")
        driver = _driver(bot, sandbox)
        assert driver.slash_command(ALICE, CHANNEL, "start Checkout 500s").status_code == 200
        _kill_while_held(sandbox, bot, "chat.postMessage", reaches_slack=False)
    assert _stamped(sandbox, "postmortem_opened") == [], "Slack never heard of the opener"
    assert _postmortem(db).thread_ts is None

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        driver = _driver(bot, sandbox)
        sandbox.poll(lambda: _drained(db) and _postmortem(db).thread_ts, timeout=WAIT)
        (opener,) = _stamped(sandbox, "postmortem_opened")
        assert _postmortem(db).thread_ts == opener["ts"]
        sandbox.wait_for(lambda: _questions(sandbox, opener["ts"]) == 1, timeout=WAIT)
        assert driver.slash_command(ALICE, CHANNEL, "interview").status_code == 200
        sandbox.wait_for(lambda: _questions(sandbox, opener["ts"]) == 2, timeout=WAIT)
    assert len(_stamped(sandbox, "postmortem_opened")) == 1


def test_the_opener_is_found_after_the_crash_under_1100_newer_messages(
    sandbox: Sandbox, database_url: str, db: sessionmaker[Session]
) -> None:
    """Recovery reads the channel from the intent's time, not its newest 1,000 messages."""
    port = free_port()
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        sandbox.latency.hold("chat.postMessage")
        driver = _driver(bot, sandbox)
        assert driver.slash_command(ALICE, CHANNEL, "start Checkout 500s").status_code == 200
        _kill_while_held(sandbox, bot, "chat.postMessage")
    (opener,) = _stamped(sandbox, "postmortem_opened")
    for n in range(1100):  # the incident channel talks on while the bot is down
        sandbox.slack.post_as_user(CHANNEL, ALICE, f"still seeing 500s ({n})")

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS):
        sandbox.poll(lambda: _drained(db) and _postmortem(db).thread_ts, timeout=WAIT)
        assert _postmortem(db).thread_ts == opener["ts"], "adopted, not posted again"
        sandbox.wait_for(lambda: _questions(sandbox, opener["ts"]) == 1, timeout=WAIT)
    assert len(_stamped(sandbox, "postmortem_opened")) == 1


def test_the_summary_is_found_after_the_crash_under_1100_newer_messages(
    sandbox: Sandbox, database_url: str, db: sessionmaker[Session]
) -> None:
    """The publish's recovery reads the channel from when its attempts began."""
    port = free_port()
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
        seed_postmortem(db, CHANNEL, root["ts"])
        sandbox.latency.hold("chat.postMessage")
        assert _driver(bot, sandbox).slash_command(ALICE, CHANNEL, "publish").status_code == 200
        _kill_while_held(sandbox, bot, "chat.postMessage")
    (summary,) = _summaries(sandbox)
    for n in range(1100):  # the channel talks on while the bot is down
        sandbox.slack.post_as_user(CHANNEL, ALICE, f"thanks all ({n})")

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS):
        sandbox.poll(lambda: _drained(db) and _report(db).channel_ts, timeout=WAIT)
        assert _report(db).channel_ts == summary["ts"], "adopted, not posted again"
    assert len(_summaries(sandbox)) == 1
