"""Queries for timeline events. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import TimelineEvent


def get_by_key(
    session: Session, postmortem_id: int, source: str, source_key: str
) -> TimelineEvent | None:
    query = select(TimelineEvent).where(
        TimelineEvent.postmortem_id == postmortem_id,
        TimelineEvent.source == source,
        TimelineEvent.source_key == source_key,
    )
    return session.scalars(query).one_or_none()


def add_unless_exists(session: Session, event: TimelineEvent) -> bool:
    """Insert `event`; False when its (post-mortem, source, key) is already there."""
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:
        return False
    return True


def list_for(session: Session, postmortem_id: int) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.postmortem_id == postmortem_id)
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
    )
    return list(session.scalars(query))


def count_for(session: Session, postmortem_id: int) -> int:
    query = select(func.count()).where(TimelineEvent.postmortem_id == postmortem_id)
    return session.scalar(query) or 0
