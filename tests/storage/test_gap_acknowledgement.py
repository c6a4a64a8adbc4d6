"""Acknowledging deleted messages as removed on purpose, no pager, and missing metrics, on
SQLite and PostgreSQL: the timeline's view notes them, only deletions made after stay an
open gap, and another workspace's post-mortem is untouched."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.core.timeline import METRICS_GAPS, GapKind
from bot.errors import BadArguments
from bot.services import capture, gaps, postmortems
from bot.services import timeline as timeline_service
from storage.models import TimelineGap
from storage.repositories import gaps as repo_gaps
from storage.repositories import metric_snapshots

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CHANNEL = "C0INCIDENT"


def start(sessions: sessionmaker[Session], team: str = "T0SANDBOX") -> int:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session, team_id=team, channel_id=CHANNEL, user_id="U0ALICE", title="500s", now=NOW
        )
        return postmortem.id


def delete(sessions: sessionmaker[Session], postmortem_id: int, ts: str, team: str) -> None:
    with sessions.begin() as session:
        capture.record_deletion(session, postmortem_id, team, CHANNEL, ts, NOW)


def deleted_gaps(sessions: sessionmaker[Session], postmortem_id: int) -> list[tuple[int, bool]]:
    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    return [
        (g.count, bool(g.acknowledged_by)) for g in view.gaps if g.kind == GapKind.MESSAGES_DELETED
    ]


def test_acknowledged_deletions_are_noted_and_later_ones_stay_open(
    sessions: sessionmaker[Session],
) -> None:
    ours, theirs = start(sessions), start(sessions, team="T0OTHER")
    with sessions.begin() as session, pytest.raises(BadArguments):
        gaps.acknowledge_deleted(session, "T0SANDBOX", CHANNEL, by="U0BOB", now=NOW)

    delete(sessions, ours, "1764000000.000100", "T0SANDBOX")
    delete(sessions, ours, "1764000001.000100", "T0SANDBOX")
    delete(sessions, theirs, "1764000002.000100", "T0OTHER")
    with sessions.begin() as session:
        assert gaps.acknowledge_deleted(session, "T0SANDBOX", CHANNEL, by="U0BOB", now=NOW) == 2
    assert deleted_gaps(sessions, ours) == [(2, True)]
    assert deleted_gaps(sessions, theirs) == [(1, False)], "another workspace's stays open"

    delete(sessions, ours, "1764000003.000100", "T0SANDBOX")
    assert deleted_gaps(sessions, ours) == [(1, False), (2, True)]
    with sessions.begin() as session:  # acknowledged again: all three, one row
        assert gaps.acknowledge_deleted(session, "T0SANDBOX", CHANNEL, by="U0ALICE", now=NOW) == 3
    assert deleted_gaps(sessions, ours) == [(3, True)]


def pager_gaps(sessions: sessionmaker[Session], postmortem_id: int) -> list[tuple[str, bool]]:
    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    return [
        (g.describe(), bool(g.acknowledged_by))
        for g in view.gaps
        if g.kind == GapKind.PAGERDUTY_NOT_LINKED
    ]


def test_no_pager_acknowledged_keeps_its_reason_beside_deletions_and_only_in_its_workspace(
    sessions: sessionmaker[Session],
) -> None:
    ours, theirs = start(sessions), start(sessions, team="T0OTHER")
    delete(sessions, ours, "1764000000.000100", "T0SANDBOX")
    with sessions.begin() as session:
        shown = gaps.acknowledge_no_pagerduty(
            session, "T0SANDBOX", CHANNEL, reason="  we page by\tphone ", by="U0BOB", now=NOW
        )
    assert shown == "we page by phone"
    [(said, noted)] = pager_gaps(sessions, ours)
    assert noted and said.endswith("Acknowledged: we page by phone.")
    assert deleted_gaps(sessions, ours) == [(1, False)], "the deletion is still open"
    assert pager_gaps(sessions, theirs)[0][1] is False, "another workspace's stays open"

    with sessions.begin() as session:  # again, no words: the default reason, one row
        gaps.acknowledge_no_pagerduty(session, "T0SANDBOX", CHANNEL, reason="", by="U0A", now=NOW)
        gaps.acknowledge_deleted(session, "T0SANDBOX", CHANNEL, by="U0BOB", now=NOW)
    assert pager_gaps(sessions, ours)[0][0].endswith("Acknowledged: this team uses no pager.")
    assert deleted_gaps(sessions, ours) == [(1, True)]

    with sessions.begin() as session:
        postmortems.get_or_raise(session, ours).pagerduty_incident_id = "PABC123"
    assert pager_gaps(sessions, ours) == [], "an incident linked later: no gap at all"
    with sessions.begin() as session, pytest.raises(BadArguments, match="is linked"):
        gaps.acknowledge_no_pagerduty(session, "T0SANDBOX", CHANNEL, reason="", by="U0A", now=NOW)
    with sessions.begin() as session, pytest.raises(BadArguments, match="at most 300"):
        gaps.acknowledge_no_pagerduty(
            session, "T0OTHER", CHANNEL, reason="x" * 301, by="U0A", now=NOW
        )


def state_metrics_gap(sessions: sessionmaker[Session], postmortem_id: int, team: str) -> None:
    """What a fetch with Prometheus down leaves: the metrics gaps stated afresh."""
    with sessions.begin() as session:
        metric_snapshots.clear_gaps(session, postmortem_id, [k.value for k in METRICS_GAPS])
        repo_gaps.record(
            session,
            TimelineGap(
                team_id=team,
                postmortem_id=postmortem_id,
                kind=GapKind.PROMETHEUS_UNREACHABLE.value,
                scope="metrics",
                reason="connection refused",
            ),
        )


def metrics_gaps(sessions: sessionmaker[Session], postmortem_id: int) -> list[tuple[str, bool]]:
    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    return [(g.describe(), bool(g.acknowledged_by)) for g in view.gaps if g.kind in METRICS_GAPS]


def test_missing_metrics_acknowledged_stay_noted_after_the_next_fetch_states_them_again(
    sessions: sessionmaker[Session],
) -> None:
    ours, theirs = start(sessions), start(sessions, team="T0OTHER")
    with sessions.begin() as session, pytest.raises(BadArguments, match="no metrics gap"):
        gaps.acknowledge_metrics(session, "T0SANDBOX", CHANNEL, reason="", by="U0BOB", now=NOW)
    state_metrics_gap(sessions, ours, "T0SANDBOX")
    state_metrics_gap(sessions, theirs, "T0OTHER")

    with sessions.begin() as session:
        shown = gaps.acknowledge_metrics(
            session,
            "T0SANDBOX",
            CHANNEL,
            reason=" Prometheus was\tbeing moved ",
            by="U0BOB",
            now=NOW,
        )
    assert shown == "Prometheus was being moved"
    [(said, noted)] = metrics_gaps(sessions, ours)
    assert noted and "(connection refused)" in said, "the system's reason stays"
    assert said.endswith("Acknowledged: Prometheus was being moved.")
    assert metrics_gaps(sessions, theirs)[0][1] is False, "another workspace's stays open"

    state_metrics_gap(sessions, ours, "T0SANDBOX")  # the publish's fetch states it again
    assert metrics_gaps(sessions, ours)[0][1] is True
    with sessions.begin() as session:  # no words: the default reason
        gaps.acknowledge_metrics(session, "T0SANDBOX", CHANNEL, reason="", by="U0A", now=NOW)
    assert metrics_gaps(sessions, ours)[0][0].endswith("Acknowledged: known and accepted.")
