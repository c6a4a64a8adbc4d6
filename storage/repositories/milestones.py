"""The milestones people set or confirmed, one per post-mortem and name. Never commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import Milestone, TimelineEvent
from storage.upsert import insert_or_update


def list_for(session: Session, postmortem_id: int) -> list[Milestone]:
    query = select(Milestone).where(Milestone.postmortem_id == postmortem_id)
    return list(session.scalars(query.order_by(Milestone.id)))


def save(
    session: Session,
    *,
    team_id: str,
    postmortem_id: int,
    name: str,
    occurred_at: datetime,
    origin: str,
    ref: str | None,
    set_by: str,
    set_at: datetime,
) -> None:
    """Set `name` on the post-mortem, replacing what anyone set before (last writer wins)."""
    changed = {
        "occurred_at": occurred_at,
        "origin": origin,
        "ref": ref,
        "set_by": set_by,
        "set_at": set_at,
    }
    statement = insert_or_update(
        session,
        Milestone,
        index_elements=("postmortem_id", "name"),
        set_=changed,
        team_id=team_id,
        postmortem_id=postmortem_id,
        name=name,
        **changed,
    )
    session.execute(statement)


def clear(session: Session, postmortem_id: int, name: str) -> bool:
    """Forget a person's setting of `name`: what the data says counts again."""
    statement = delete(Milestone).where(
        Milestone.postmortem_id == postmortem_id, Milestone.name == name
    )
    return bool(changed_rows(session, statement))


def marked_or_outside_events(session: Session, postmortem_id: int) -> list[TimelineEvent]:
    """The lines a milestone can be read from besides alert messages: PagerDuty's, manual
    ones and marked Slack messages (a few, where the whole timeline may be thousands)."""
    query = select(TimelineEvent).where(
        TimelineEvent.postmortem_id == postmortem_id,
        TimelineEvent.deleted_at.is_(None),
        or_(TimelineEvent.source != "slack", TimelineEvent.is_key.is_(True)),
    )
    return list(session.scalars(query.order_by(TimelineEvent.occurred_at)))


def unmarked_messages(
    session: Session, postmortem_id: int
) -> Iterator[tuple[datetime, str, str | None, str]]:
    """(occurred_at, source_key, actor, text) of the unmarked Slack lines, oldest first,
    read as they are consumed: the caller stops at the first alert."""
    query = (
        select(
            TimelineEvent.occurred_at,
            TimelineEvent.source_key,
            TimelineEvent.actor,
            TimelineEvent.text,
        )
        .where(
            TimelineEvent.postmortem_id == postmortem_id,
            TimelineEvent.deleted_at.is_(None),
            TimelineEvent.source == "slack",
            TimelineEvent.is_key.is_(False),
        )
        .order_by(TimelineEvent.occurred_at)
        .execution_options(yield_per=500)
    )
    for row in session.execute(query):
        yield row[0], row[1], row[2], row[3]


def first_event_time(session: Session, postmortem_id: int) -> datetime | None:
    query = select(func.min(TimelineEvent.occurred_at)).where(
        TimelineEvent.postmortem_id == postmortem_id, TimelineEvent.deleted_at.is_(None)
    )
    value = session.scalar(query)
    if value is not None and value.tzinfo is None:  # SQLite's MIN() bypasses UTCDateTime
        value = value.replace(tzinfo=UTC)
    return value
