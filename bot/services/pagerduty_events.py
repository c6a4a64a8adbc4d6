"""PagerDuty webhook events: kept as they come, filed on the post-mortems of the workspace
their service is mapped to (`bot.services.pagerduty_services`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.pagerduty.webhook import WebhookEvent
from bot.services import deliveries, incidents, pagerduty_services
from bot.services.pagerduty_services import ServiceRef
from storage.models import PagerDutyEvent, Postmortem
from storage.repositories import pagerduty_services as incident_turns
from storage.repositories import postmortems


def record(
    session: Session,
    event: WebhookEvent,
    payload: dict[str, Any],
    *,
    single_workspace: bool,
    now: datetime,
) -> bool:
    """Keep `event` and file it; False when this event id was seen before.

    An event is kept whoever it belongs to (PagerDuty does not send it twice); it is filed
    only on post-mortems of the workspace its service belongs to."""
    if not deliveries.first_time(session, "pagerduty", event.event_id):
        return False
    if event.incident_id:
        incident_turns.hold_incident(session, event.incident_id)
    service, named_earlier = _service(session, event, now)
    session.add(
        PagerDutyEvent(
            event_id=event.event_id,
            incident_id=event.incident_id,
            service_id=service.service_id if service else None,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            agent_name=event.agent_name,
            summary=event.summary,
            payload=payload,
        )
    )
    session.flush()
    if event.incident_id:
        service_id = service.service_id if service else None
        # Events kept before their service was known are filed along with this one.
        only = None if named_earlier else [event.event_id]
        for postmortem in _linking(session, event.incident_id, service_id, single_workspace):
            incidents.file_webhook_events(
                session, postmortem, single_workspace=single_workspace, only=only
            )
    return True


def _service(
    session: Session, event: WebhookEvent, now: datetime
) -> tuple[ServiceRef | None, bool]:
    """The service the event names, learnt for its incident, else its incident's known one;
    and whether that gave a service to events kept before it without one."""
    if event.incident_id is None:
        named = ServiceRef(event.service_id, event.service_name) if event.service_id else None
        return named, False
    if event.service_id is None:
        return pagerduty_services.incident_service(session, event.incident_id), False
    service = ServiceRef(event.service_id, event.service_name)
    return service, pagerduty_services.learn(session, event.incident_id, service, now) > 0


def _linking(
    session: Session, incident_id: str, service_id: str | None, single_workspace: bool
) -> list[Postmortem]:
    """The post-mortems linking the incident in the workspace its service belongs to."""
    owner = pagerduty_services.mapped_owner(session, service_id)
    if owner is not None:
        return postmortems.list_by_incident(session, owner, incident_id)
    if single_workspace:
        return postmortems.list_by_incident_in_the_only_workspace(session, incident_id)
    return []  # OAuth mode, a service no admin mapped: kept, filed nowhere
