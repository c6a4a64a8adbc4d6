"""Marks that make a timeline event key (a pin, a person's key reaction). Never commit."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import TimelineMark


def add(session: Session, mark: TimelineMark) -> bool:
    """Insert `mark`; False when the same marker already marks that message."""
    try:
        with session.begin_nested():
            session.add(mark)
    except IntegrityError:
        return False
    return True


def remove(session: Session, postmortem_id: int, source_key: str, marked_by: str) -> bool:
    statement = delete(TimelineMark).where(
        TimelineMark.postmortem_id == postmortem_id,
        TimelineMark.source_key == source_key,
        TimelineMark.marked_by == marked_by,
    )
    return bool(changed_rows(session, statement))


def remove_pins(session: Session, postmortem_id: int, source_key: str) -> bool:
    """Drop the message's pin marks ("pin", "pin:<user>"): unpinning undoes whoever pinned."""
    statement = delete(TimelineMark).where(
        TimelineMark.postmortem_id == postmortem_id,
        TimelineMark.source_key == source_key,
        or_(TimelineMark.marked_by == "pin", TimelineMark.marked_by.startswith("pin:")),
    )
    return bool(changed_rows(session, statement))


def count_for(session: Session, postmortem_id: int, source_key: str) -> int:
    query = select(func.count()).where(
        TimelineMark.postmortem_id == postmortem_id, TimelineMark.source_key == source_key
    )
    return session.scalar(query) or 0
