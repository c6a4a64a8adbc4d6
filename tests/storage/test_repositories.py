"""Repository behaviour that the bot's idempotency rests on, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Postmortem, TimelineEvent
from storage.repositories import deliveries, postmortems, timeline, workspaces

NOW = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)


def _postmortem(channel: str = "C1", title: str = "API outage") -> Postmortem:
    return Postmortem(
        team_id="T1", channel_id=channel, title=title, lead_user_id="U1", created_by="U1"
    )


def test_a_second_postmortem_in_the_same_channel_returns_the_first(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        workspaces.ensure(session, "T1")
        first, created = postmortems.add_unless_exists(session, _postmortem())
        assert created
    with sessions.begin() as session:
        again, created = postmortems.add_unless_exists(session, _postmortem(title="Other"))
        assert not created
        assert again.id == first.id and again.title == "API outage"


def test_a_delivery_is_claimed_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert deliveries.claim(session, "slack", "Ev123", team_id="T1")
    with sessions.begin() as session:
        assert not deliveries.claim(session, "slack", "Ev123", team_id="T1")
        assert deliveries.claim(session, "pagerduty", "Ev123")


def test_times_come_back_aware_utc_whatever_zone_went_in(sessions: sessionmaker[Session]) -> None:
    berlin = timezone(timedelta(hours=1))
    with sessions.begin() as session:
        workspaces.ensure(session, "T1")
        postmortem, _ = postmortems.add_unless_exists(session, _postmortem())
        postmortem.incident_start = datetime(2026, 11, 24, 15, 5, tzinfo=berlin)
    with sessions.begin() as session:
        stored = postmortems.get(session, postmortem.id)
        assert stored is not None and stored.incident_start == NOW
        assert stored.incident_start.utcoffset() == timedelta(0)


def test_a_naive_datetime_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Exception, match="naive datetime"), sessions.begin() as session:
        workspaces.ensure(session, "T1")
        postmortem = _postmortem()
        postmortem.incident_start = datetime(2026, 11, 24, 14, 5)
        session.add(postmortem)
        session.flush()


def test_the_same_upstream_event_is_filed_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        workspaces.ensure(session, "T1")
        postmortem, _ = postmortems.add_unless_exists(session, _postmortem())
        for _ in range(3):
            event = TimelineEvent(
                team_id="T1",
                postmortem_id=postmortem.id,
                occurred_at=NOW,
                source="slack",
                source_key="C1:1700000000.000100",
                text="errors rising",
            )
            timeline.add_unless_exists(session, event)
    with sessions.begin() as session:
        assert timeline.count_for(session, postmortem.id) == 1


def test_many_first_requests_from_a_new_workspace_all_get_its_row(
    sessions: sessionmaker[Session],
) -> None:
    def first_request() -> str:
        with sessions.begin() as session:
            return workspaces.ensure(session, "T0NEW").team_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: first_request(), range(16)))

    assert results == ["T0NEW"] * 16
