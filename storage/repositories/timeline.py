"""Queries for timeline events. Functions take a Session and never commit."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import TimelineEvent
from storage.upsert import insert_all_ignoring_conflicts

# An event's identity: a re-delivery or a re-read with the same key adds nothing.
KEY = ("postmortem_id", "source", "source_key")
# Every column a caller may give a new event (id and created_at are the database's).
FIELDS = (
    "team_id",
    "postmortem_id",
    "occurred_at",
    "source",
    "source_key",
    "text",
    "actor",
    "kind",
    "via",
    "incident_id",
    "thread_ts",
    "is_key",
    "edited_at",
)


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


def insert_missing(session: Session, rows: Sequence[Mapping[str, Any]]) -> set[str]:
    """Insert the events (column -> value, one post-mortem and source) whose key is not
    stored yet, in one statement; returns the keys that went in.

    A row already there, filed by live capture meanwhile or by an earlier read, is left
    as it is: the caller learns which by the keys missing from the answer."""
    inserted = insert_all_ignoring_conflicts(
        session, TimelineEvent, rows, index_elements=KEY, returning="source_key"
    )
    return set(inserted)


def add_all_unless_exist(session: Session, events: Sequence[TimelineEvent]) -> int:
    """Insert the events whose keys are not stored yet; returns how many went in."""
    return len(insert_missing(session, [_values(event) for event in events]))


def _values(event: TimelineEvent) -> dict[str, Any]:
    """A pending event's columns; the ones left unset get their defaults, as a flush would."""
    values = {name: getattr(event, name) for name in FIELDS}
    values.update(text=event.text or "", is_key=bool(event.is_key))
    return values


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
