"""The history backfill against the in-process sandbox, writing to SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.gathering import Tally
from bot.core.spoken import OwnBot
from bot.core.timeline import GapKind
from bot.flows import channel_history
from bot.sandbox import Sandbox
from bot.services import backfill, postmortems
from bot.services import timeline as timeline_service
from storage.models import TimelineEvent
from storage.repositories import gaps

CHANNEL = "C0INC"
ALICE, BOB = "U0ALICE", "U0BOB"
CREATED = 1_743_997_200  # 2025-04-07 03:40 UTC
OWN = OwnBot(user_id="U0BOT", bot_id="B0BOT")


def _sandbox(**options: Any) -> Sandbox:
    sandbox = Sandbox(**options).start()
    sandbox.slack.add_user(ALICE, "alice", real_name="Alice Ng")
    sandbox.slack.add_user(BOB, "bob")
    sandbox.slack.add_channel(CHANNEL, "inc-checkout", members=(ALICE, BOB), created=CREATED)
    return sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = _sandbox(rate_window_seconds=1.0, rate_limits=False)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def stingy_sb() -> Iterator[Sandbox]:
    """One conversations.replies call a minute: the second one is refused for a long while."""
    sandbox = _sandbox(rate_window_seconds=60.0, rate_limits={"conversations.replies": 1})
    yield sandbox
    sandbox.stop()


def _client(sb: Sandbox, retries: int = 3) -> WebClient:
    handlers = [RateLimitErrorRetryHandler(max_retry_count=retries)] if retries else []
    return WebClient(base_url=sb.slack_api_url, token=sb.slack.bot_token, retry_handlers=handlers)


def _start(sessions: sessionmaker[Session], channel: str = CHANNEL) -> int:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session,
            team_id="T0SANDBOX",
            channel_id=channel,
            user_id=ALICE,
            title="Checkout 500s",
            now=datetime.now(UTC),
        )
        return postmortem.id


def _at(minute: int, second: int = 0) -> str:
    return f"{CREATED + 60 * minute + second}.000100"


def _seed(sb: Sandbox) -> dict[str, str]:
    """Three people talking, a thread, a join, and the bot's own prompt."""
    slack = sb.slack
    first = slack.post_as_user(CHANNEL, ALICE, "checkout 500s climbing", ts=_at(1))["ts"]
    slack.post_as_user(CHANNEL, BOB, "looking at the deploy", thread_ts=first, ts=_at(2))
    slack.post_as_user(CHANNEL, ALICE, "it was 2024.06.1", thread_ts=first, ts=_at(3))
    with slack.lock:
        join = {"type": "message", "subtype": "channel_join", "user": BOB, "ts": ""}
        slack.store(slack.channel(CHANNEL), dict(join, text="<@U0BOB> has joined"), ts=_at(4))
    rollback = slack.post_as_user(CHANNEL, BOB, "rolling back", ts=_at(5))["ts"]
    _client(sb).chat_postMessage(channel=CHANNEL, text="A post-mortem has started")
    return {"first": first, "rollback": rollback}


def _rows(sessions: sessionmaker[Session], postmortem_id: int) -> list[TimelineEvent]:
    with sessions() as session:
        query = select(TimelineEvent).where(TimelineEvent.postmortem_id == postmortem_id)
        return list(session.scalars(query.order_by(TimelineEvent.occurred_at)))


def test_messages_and_thread_replies_are_filed_once_and_a_rerun_adds_nothing(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    _seed(sb)
    postmortem_id = _start(sessions)

    first = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)
    again = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    texts = [row.text for row in _rows(sessions, postmortem_id)]
    assert texts == [
        "checkout 500s climbing",
        "looking at the deploy",
        "it was 2024.06.1",
        "rolling back",
    ], "no join noise, no bot prompt, replies in place"
    assert (first.tally.messages, first.tally.threads, first.tally.added) == (4, 1, 4)
    assert (again.tally.added, again.gap) == (0, None)
    assert first.oldest == datetime.fromtimestamp(CREATED, UTC)


def test_an_edit_the_live_feed_missed_is_caught_up_and_a_deleted_parent_noted(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    ts = _seed(sb)
    postmortem_id = _start(sessions)
    channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)
    sb.slack.edit_message(CHANNEL, ts["rollback"], "rolled back 2024.06.1")
    sb.slack.delete_message(CHANNEL, ts["first"])  # has replies: leaves a tombstone

    channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    texts = [entry.text for entry in view.entries]
    assert "rolled back 2024.06.1" in texts and "rolling back" not in texts
    assert "checkout 500s climbing" not in texts
    assert any(gap.kind is GapKind.MESSAGES_DELETED and gap.count == 1 for gap in view.gaps)


def test_a_rate_limit_pauses_the_backfill_where_it_stood_and_the_resume_reads_the_rest(
    stingy_sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    sb = stingy_sb
    ts = _seed(sb)
    postmortem_id = _start(sessions)
    _client(sb).conversations_replies(channel=CHANNEL, ts=ts["first"])  # spends the minute's one

    paused = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert isinstance(paused, channel_history.Paused), "a 429 pauses, it is not waited out"
    assert 1 <= paused.after <= 60, "Slack's Retry-After"
    assert paused.plan.tally.messages == 2, "the history page was kept"
    assert paused.plan.walk is not None and paused.plan.walk.threads == [ts["first"]]
    with sessions() as session:
        kinds = [g.kind for g in gaps.list_for(session, postmortem_id)]
    assert "backfill_unfinished" in kinds and "backfill_cut_short" not in kinds
    history_calls = sb.slack.call_count("conversations.history")

    sb.slack.set_rate_limit("conversations.replies", None)
    plan = channel_history.Plan.from_state(paused.plan.state())  # as the inbox keeps it
    whole = channel_history.backfill_channel(
        sessions, _client(sb), postmortem_id, own=OWN, resume=plan
    )

    assert isinstance(whole, channel_history.HistoryOutcome) and whole.gap is None
    assert (whole.tally.messages, whole.tally.threads, whole.tally.pages) == (4, 1, 2), "in all"
    assert sb.slack.call_count("conversations.history") == history_calls, "nothing read twice"
    with sessions() as session:
        assert gaps.list_for(session, postmortem_id) == []


def test_a_channel_the_bot_cannot_read_is_a_gap_not_a_crash(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    sb.slack.add_channel("C0SECRET", "secret", members=(ALICE,), is_private=True)
    with sb.slack.lock:
        sb.slack.channel("C0SECRET").members.remove("U0BOT")
    postmortem_id = _start(sessions, "C0SECRET")

    outcome = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert outcome.gap is not None and outcome.gap.kind is GapKind.HISTORY_UNREADABLE
    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    assert {gap.kind for gap in view.gaps} == {
        GapKind.HISTORY_UNREADABLE,
        GapKind.PAGERDUTY_NOT_LINKED,
    }


def test_the_window_opens_at_the_earliest_of_since_trigger_and_creation(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    postmortem_id = _start(sessions)
    since = datetime(2025, 4, 7, 3, 0, tzinfo=UTC)
    with sessions.begin() as session:
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        backfill.widen_window(session, postmortem, since)
        backfill.widen_window(session, postmortem, datetime(2025, 4, 7, 3, 30, tzinfo=UTC))

    outcome = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert outcome.oldest == since
    history = [c for c in sb.slack.calls if c.method == "conversations.history"]
    assert history[0].params["oldest"] == f"{since.timestamp():.6f}"
    assert history[0].params["limit"] == "999"


def test_progress_is_reported_every_few_pages(sb: Sandbox, sessions: sessionmaker[Session]) -> None:
    for i in range(2100):
        sb.slack.post_as_user(CHANNEL, ALICE, f"m{i}", ts=f"{CREATED + 60 + i}.000100")
    postmortem_id = _start(sessions)
    seen: list[int] = []

    def on_progress(tally: Tally) -> None:
        seen.append(tally.messages)

    outcome = channel_history.backfill_channel(
        sessions, _client(sb), postmortem_id, own=OWN, on_progress=on_progress, progress_every=1
    )

    assert seen == [999, 1998, 2100]
    assert outcome.tally.added == 2100


def test_the_postmortems_own_thread_is_not_read_into_the_timeline(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    _seed(sb)
    postmortem_id = _start(sessions)
    opening = _client(sb).chat_postMessage(channel=CHANNEL, text="Post-mortem started")["ts"]
    sb.slack.post_as_user(CHANNEL, ALICE, "the summary: checkout failed", thread_ts=opening)
    with sessions.begin() as session:
        postmortems.record_thread(session, postmortem_id, opening)

    outcome = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert "the summary: checkout failed" not in [r.text for r in _rows(sessions, postmortem_id)]
    assert outcome.tally.threads == 1
    asked = {c.params["ts"] for c in sb.slack.calls if c.method == "conversations.replies"}
    assert opening not in asked
