"""A backfill a crash cut short, on SQLite and PostgreSQL: the timeline states what is not
read yet, and the next backfill resumes from where it stopped instead of starting over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.timeline import GapKind
from bot.flows import channel_history
from bot.sandbox import Sandbox
from bot.services import timeline as timeline_service
from bot.slack import harvest
from storage.models import BackfillProgress, TimelineEvent
from storage.repositories import backfill_progress
from tests.storage.test_backfill import CHANNEL, OWN, _at, _client, _sandbox, _start

PAGE = 5  # history page size here, so a short channel has several pages
MESSAGES = 17  # four pages: 5, 5, 5, 2


class Crash(BaseException):
    """The process dying: nothing after it runs, no `except Exception` catches it."""


class DiesOnHistoryPage(WebClient):
    """A client whose process dies when it asks for history page `page` (from 1)."""

    def __init__(self, page: int, **options: Any) -> None:
        super().__init__(**options)
        self.page, self.calls = page, 0

    def conversations_history(self, **params: Any) -> Any:  # type: ignore[override]
        self.calls += 1
        if self.calls == self.page:
            raise Crash
        return super().conversations_history(**params)


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    monkeypatch.setattr(harvest, "HISTORY_LIMIT", PAGE)
    sandbox = _sandbox(rate_window_seconds=1.0, rate_limits=False)
    for minute in range(MESSAGES):
        sandbox.slack.post_as_user(CHANNEL, "U0BOB", f"update {minute}", ts=_at(minute + 1))
    yield sandbox
    sandbox.stop()


def _texts(sessions: sessionmaker[Session], postmortem_id: int) -> list[str]:
    with sessions() as session:
        query = select(TimelineEvent.text).where(TimelineEvent.postmortem_id == postmortem_id)
        return list(session.scalars(query))


def _killed_on_history_page(
    sb: Sandbox, sessions: sessionmaker[Session], postmortem_id: int, page: int
) -> None:
    """Run a backfill whose process dies when it asks for history page `page`."""
    dying = DiesOnHistoryPage(page, base_url=sb.slack_api_url, token=sb.slack.bot_token)
    with pytest.raises(Crash):
        channel_history.backfill_channel(sessions, dying, postmortem_id, own=OWN)


def _history_calls(sb: Sandbox) -> list[dict[str, Any]]:
    return [c.params for c in sb.slack.calls if c.method == "conversations.history"]


def test_a_backfill_killed_on_page_3_states_the_gap_and_the_next_one_reads_only_the_rest(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    postmortem_id = _start(sessions)
    _killed_on_history_page(sb, sessions, postmortem_id, 3)

    assert sorted(_texts(sessions, postmortem_id)) == sorted(
        f"update {m}" for m in range(MESSAGES - 2 * PAGE, MESSAGES)
    ), "two pages were filed before the crash"
    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    (gap,) = [g for g in view.gaps if g.kind is GapKind.BACKFILL_UNFINISHED]
    oldest_read = _at(MESSAGES - 2 * PAGE + 1)
    assert gap.where == "the history of #inc-checkout"
    assert "history before 2025-04-07 03:48 UTC not read yet" in gap.describe(), gap.describe()

    calls_before = len(_history_calls(sb))
    whole = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert whole.gap is None
    texts = _texts(sessions, postmortem_id)
    assert sorted(texts) == sorted(f"update {m}" for m in range(MESSAGES)) and len(
        set(texts)
    ) == len(texts)
    resumed = _history_calls(sb)[calls_before:]
    assert resumed[0]["latest"] == oldest_read, "the older part is read from where it stopped"
    assert resumed[-1].get("latest") is None and float(resumed[-1]["oldest"]) > float(_at(MESSAGES))
    assert len(resumed) == 3, "two pages of the rest, then one of what came since: not 4 again"
    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
        assert session.scalar(select(func.count()).select_from(BackfillProgress)) == 0
    assert not [g for g in view.gaps if g.kind is GapKind.BACKFILL_UNFINISHED]


def test_a_backfill_that_finishes_leaves_no_progress_and_no_gap(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    postmortem_id = _start(sessions)
    outcome = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)
    assert outcome.gap is None and outcome.tally.messages == MESSAGES
    with sessions() as session:
        assert backfill_progress.get(session, postmortem_id, f"slack:{CHANNEL}") is None
        kinds = [gap.kind for gap in timeline_service.view(session, postmortem_id).gaps]
        assert kinds == [GapKind.PAGERDUTY_NOT_LINKED], "no history gap left"


def test_progress_only_moves_back_and_a_new_run_starts_it_over(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id, scope = _start(sessions), f"slack:{CHANNEL}"
    with sessions.begin() as session:
        backfill_progress.begin(
            session, team_id="T0SANDBOX", postmortem_id=postmortem_id, scope=scope, newest_ts="9.0"
        )
        backfill_progress.read_down_to(session, postmortem_id, scope, "5.0")
        backfill_progress.read_down_to(session, postmortem_id, scope, "7.0")
    with sessions() as session:
        row = backfill_progress.get(session, postmortem_id, scope)
        assert row is not None and (row.newest_ts, row.read_down_to) == ("9.0", "5.0")
    with sessions.begin() as session:
        backfill_progress.begin(
            session, team_id="T0SANDBOX", postmortem_id=postmortem_id, scope=scope, newest_ts="12.0"
        )
    with sessions.begin() as session:
        row = backfill_progress.get(session, postmortem_id, scope)
        assert row is not None and (row.newest_ts, row.read_down_to) == ("12.0", None)
        assert backfill_progress.finish(session, postmortem_id, scope) == 1
    with sessions() as session:
        assert backfill_progress.get(session, postmortem_id, scope) is None


def test_a_resume_killed_while_reading_what_came_since_states_history_after(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    postmortem_id = _start(sessions)
    _killed_on_history_page(sb, sessions, postmortem_id, 3)
    # The resume reads the older part (two pages), then dies asking what came since.
    _killed_on_history_page(sb, sessions, postmortem_id, 3)

    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    (gap,) = [g for g in view.gaps if g.kind is GapKind.BACKFILL_UNFINISHED]
    assert "(history after " in gap.describe() and " UTC not read yet)" in gap.describe()
    assert sorted(_texts(sessions, postmortem_id)) == sorted(f"update {m}" for m in range(MESSAGES))

    channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)
    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    assert not [g for g in view.gaps if g.kind is GapKind.BACKFILL_UNFINISHED]
