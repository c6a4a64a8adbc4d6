"""A start in a channel nobody has posted in yet (only the bot's opener), on SQLite and PostgreSQL: the backfill
asks Slack only for the history and writes nothing, yet still clears a gap an earlier
backfill left, and a rate limit before its first message still leaves its progress
recorded once the resume files one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.timeline import Gap
from bot.flows import channel_history
from bot.sandbox import Sandbox
from bot.services import backfill
from storage.repositories import backfill_progress, gaps
from tests.storage.test_backfill import ALICE, CHANNEL, OWN, _at, _client, _sandbox, _start

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = _sandbox(rate_window_seconds=60.0, rate_limits={"conversations.history": 1})
    yield sandbox
    sandbox.stop()


@pytest.fixture
def writes(engine: Engine) -> Iterator[list[str]]:
    """Every INSERT, UPDATE or DELETE the database is sent while the test runs."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    yield sent
    event.remove(engine, "before_cursor_execute", seen)


def _methods(sb: Sandbox) -> list[str]:
    return [call.method for call in sb.slack.calls]


def test_a_start_in_a_channel_holding_only_its_opener_reads_history_once_and_writes_nothing(
    sb: Sandbox, sessions: sessionmaker[Session], writes: list[str]
) -> None:
    postmortem_id = _start(sessions)
    client = _client(sb)
    client.chat_postMessage(channel=CHANNEL, text="Post-mortem opened")  # the bot's own
    facts = channel_history.channel_facts(client, CHANNEL)  # what the start asked already
    writes.clear()
    asked = len(sb.slack.calls)

    outcome = channel_history.backfill_channel(
        sessions, client, postmortem_id, own=OWN, facts=facts
    )

    assert isinstance(outcome, channel_history.HistoryOutcome) and outcome.gap is None
    assert outcome.tally.pages == 1 and outcome.tally.messages == 0
    assert _methods(sb)[asked:] == ["conversations.history"], "no second info, no pins.list"
    assert writes == [], "nothing read, nothing recorded"


def test_an_empty_channel_read_in_full_clears_the_gap_an_earlier_backfill_left(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    postmortem_id = _start(sessions)
    with sessions.begin() as session:
        target = backfill.target(session, postmortem_id)
        backfill.record_gap(session, target, Gap.history_unreadable("#inc-checkout"))

    outcome = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert isinstance(outcome, channel_history.HistoryOutcome) and outcome.gap is None
    with sessions() as session:
        assert gaps.list_for(session, postmortem_id) == [], "the history is read now"


def test_a_rate_limit_before_the_first_message_records_the_progress_with_the_resume(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    sb.slack.post_as_user(CHANNEL, ALICE, "checkout 500s climbing", ts=_at(1))
    postmortem_id = _start(sessions)
    _client(sb).conversations_history(channel=CHANNEL)  # spends the minute's one call

    paused = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert isinstance(paused, channel_history.Paused)
    assert paused.plan.unrecorded is not None, "nothing filed, nothing recorded yet"
    with sessions() as session:
        assert backfill_progress.get(session, postmortem_id, f"slack:{CHANNEL}") is None

    plan = channel_history.Plan.from_state(paused.plan.state())  # as the inbox keeps it
    began: list[str | None] = []
    original = channel_history.progress.begin

    def recording_begin(session: Session, target: Any, *, newest_ts: str, where: str) -> None:
        began.append(newest_ts)
        original(session, target, newest_ts=newest_ts, where=where)

    sb.slack.set_rate_limit("conversations.history", None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(channel_history.progress, "begin", recording_begin)
        whole = channel_history.backfill_channel(
            sessions, _client(sb), postmortem_id, own=OWN, resume=plan
        )

    assert isinstance(whole, channel_history.HistoryOutcome) and whole.tally.messages == 1
    assert began == [paused.plan.unrecorded], "progress recorded before the message was filed"
    with sessions() as session:
        assert backfill_progress.get(session, postmortem_id, f"slack:{CHANNEL}") is None
        assert gaps.list_for(session, postmortem_id) == []
