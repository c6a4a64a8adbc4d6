"""Idempotency keys for what Slack and PagerDuty deliver more than once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Delivery


def claim(session: Session, source: str, delivery_id: str, team_id: str | None = None) -> bool:
    """Record a delivery; False when it was recorded before (a retry or a duplicate)."""
    try:
        with session.begin_nested():
            session.add(Delivery(source=source, delivery_id=delivery_id, team_id=team_id))
    except IntegrityError:
        return False
    return True


def release(session: Session, source: str, delivery_id: str) -> None:
    """Forget a claim whose work could not be done, so a retry of the delivery does it."""
    session.execute(
        delete(Delivery).where(Delivery.source == source, Delivery.delivery_id == delivery_id)
    )


def prune_batch(session: Session, before: datetime, limit: int) -> int:
    """Delete up to `limit` deliveries received before `before`, oldest first; how many.
    Bounded so one transaction holds SQLite's write lock only briefly; ids grow with
    time, so the oldest rows are found at the start of the primary key."""
    ids = session.scalars(
        select(Delivery.id).where(Delivery.received_at < before).order_by(Delivery.id).limit(limit)
    ).all()
    if ids:
        session.execute(delete(Delivery).where(Delivery.id.in_(ids)))
    return len(ids)
