"""PagerDuty webhook events: kept as they come, filed on every post-mortem linking the incident."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.pagerduty.timeline import from_webhook
from bot.pagerduty.webhook import WebhookEvent
from bot.services import deliveries
from bot.services.timeline_rows import to_row
from storage.models import PagerDutyEvent
from storage.repositories import postmortems, timeline


def record(session: Session, event: WebhookEvent, payload: dict[str, Any]) -> bool:
    """Keep `event` and file it; False when this event id was seen before."""
    if not deliveries.first_time(session, "pagerduty", event.event_id):
        return False
    session.add(
        PagerDutyEvent(
            event_id=event.event_id,
            incident_id=event.incident_id,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            agent_name=event.agent_name,
            summary=event.summary,
            payload=payload,
        )
    )
    if event.incident_id:
        entry = from_webhook(event)
        for postmortem in postmortems.list_by_incident(session, event.incident_id):
            timeline.add_unless_exists(session, to_row(entry, postmortem))
    return True
