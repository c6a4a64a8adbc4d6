"""Stored PagerDuty webhook events. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import PagerDutyEvent


def list_by_incident(session: Session, incident_id: str) -> list[PagerDutyEvent]:
    query = (
        select(PagerDutyEvent)
        .where(PagerDutyEvent.incident_id == incident_id)
        .order_by(PagerDutyEvent.occurred_at, PagerDutyEvent.event_id)
    )
    return list(session.scalars(query))
