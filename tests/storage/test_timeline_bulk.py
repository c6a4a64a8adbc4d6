"""Filing many timeline events at once (`timeline.insert_missing`, one statement a page), on
SQLite and on PostgreSQL: what is there already stays as it is, the rest goes in once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from storage.models import Postmortem, TimelineEvent
from storage.repositories import timeline, workspaces

TEAM = "T1"
START = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)


def _postmortem(sessions: sessionmaker[Session], channel: str = "C1") -> int:
    with sessions.begin() as session:
        workspaces.ensure(session, TEAM)
        postmortem = Postmortem(
            team_id=TEAM,
            channel_id=channel,
            title="Checkout 500s",
            lead_user_id="U1",
            created_by="U1",
        )
        session.add(postmortem)
        session.flush()
        return postmortem.id


def _row(postmortem_id: int, i: int, **changes: Any) -> dict[str, Any]:
    row = {name: None for name in timeline.FIELDS}
    row.update(
        team_id=TEAM,
        postmortem_id=postmortem_id,
        occurred_at=START + timedelta(seconds=i),
        source="slack",
        source_key=f"C1:{1_700_000_000 + i}.000100",
        text=f"message {i}: “p99” is 2\\s, {{'ok': false}} \U0001f525\n"
        if i == 4
        else f"message {i}",
        actor="U0ALICE" if i % 2 else "U0BOB",
        is_key=i == 3,
    )
    row.update(changes)
    return row


def test_a_page_goes_in_once_and_a_second_read_adds_nothing(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    page = [_row(postmortem_id, i) for i in range(1500)]

    with sessions.begin() as session:
        first = timeline.insert_missing(session, page)
    with sessions.begin() as session:
        again = timeline.insert_missing(session, page)
        stored = timeline.list_for(session, postmortem_id)

    assert first == {row["source_key"] for row in page} and again == set()
    assert [(e.source_key, e.text, e.actor, e.is_key) for e in stored] == [
        (r["source_key"], r["text"], r["actor"], r["is_key"]) for r in page
    ]
    assert all(e.occurred_at.tzinfo is not None and e.created_at is not None for e in stored)


def test_only_the_missing_keys_go_in_and_a_stored_row_keeps_its_text(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    with sessions.begin() as session:
        timeline.insert_missing(session, [_row(postmortem_id, 1, text="filed live, edited")])

    with sessions.begin() as session:
        added = timeline.insert_missing(session, [_row(postmortem_id, i) for i in range(3)])
        texts = [e.text for e in timeline.list_for(session, postmortem_id)]

    assert added == {_row(postmortem_id, 0)["source_key"], _row(postmortem_id, 2)["source_key"]}
    assert texts == ["message 0", "filed live, edited", "message 2"]


def test_one_row_and_rows_alike_but_for_the_key_go_in_too(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    alike = [_row(postmortem_id, 7, source_key=f"C1:{i}.000100") for i in range(3)]

    with sessions.begin() as session:
        one = timeline.insert_missing(session, [_row(postmortem_id, 5)])
        many = timeline.insert_missing(session, alike)
        count = timeline.count_for(session, postmortem_id)

    assert len(one) == 1 and len(many) == 3 and count == 4


def test_the_same_key_in_another_post_mortem_is_another_event(
    sessions: sessionmaker[Session],
) -> None:
    first, second = _postmortem(sessions, "C1"), _postmortem(sessions, "C2")

    with sessions.begin() as session:
        timeline.insert_missing(session, [_row(first, i) for i in range(3)])
        added = timeline.insert_missing(session, [_row(second, i) for i in range(3)])

    assert len(added) == 3


def test_pending_events_go_in_with_their_defaults(sessions: sessionmaker[Session]) -> None:
    postmortem_id = _postmortem(sessions)
    events = [
        TimelineEvent(
            team_id=TEAM,
            postmortem_id=postmortem_id,
            occurred_at=START,
            source="pagerduty",
            source_key=f"log:{i}",
            kind="trigger",
        )
        for i in range(2)
    ]

    with sessions.begin() as session:
        assert timeline.add_all_unless_exist(session, events) == 2
        assert timeline.add_all_unless_exist(session, events) == 0
        stored = timeline.list_for(session, postmortem_id)

    assert [(e.text, e.is_key, e.kind) for e in stored] == [("", False, "trigger")] * 2
