"""Queries for timeline events. Functions take a Session and never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

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


def by_keys(
    session: Session, postmortem_id: int, source: str, keys: Collection[str]
) -> dict[str, TimelineEvent]:
    """The stored events among `keys` of one source, by key (one query per call)."""
    if not keys:
        return {}
    query = select(TimelineEvent).where(
        TimelineEvent.postmortem_id == postmortem_id,
        TimelineEvent.source == source,
        TimelineEvent.source_key.in_(list(keys)),
    )
    return {event.source_key: event for event in session.scalars(query)}


def add_all_unless_exist(session: Session, events: Sequence[TimelineEvent]) -> int:
    """Insert events whose keys the caller found missing; returns how many went in.

    One flush for the lot; if live capture filed one of them meanwhile, the unique key
    refuses the batch and each event is tried on its own."""
    if not events:
        return 0
    try:
        with session.begin_nested():
            session.add_all(events)
    except IntegrityError:
        return sum(add_unless_exists(session, _fresh_copy(event)) for event in events)
    return len(events)


def _fresh_copy(event: TimelineEvent) -> TimelineEvent:
    """The rolled-back batch leaves its objects transient with stale state; start anew."""
    columns = ("team_id", "postmortem_id", "occurred_at", "source", "source_key", "text")
    more = ("actor", "kind", "via", "incident_id", "thread_ts", "is_key", "edited_at")
    return TimelineEvent(**{name: getattr(event, name) for name in (*columns, *more)})


def first_time_of_kind(session: Session, postmortem_id: int, kind: str) -> datetime | None:
    query = select(func.min(TimelineEvent.occurred_at)).where(
        TimelineEvent.postmortem_id == postmortem_id, TimelineEvent.kind == kind
    )
    return session.scalar(query)


def count_deleted(session: Session, postmortem_id: int) -> int:
    query = select(func.count()).where(
        TimelineEvent.postmortem_id == postmortem_id, TimelineEvent.deleted_at.is_not(None)
    )
    return session.scalar(query) or 0
