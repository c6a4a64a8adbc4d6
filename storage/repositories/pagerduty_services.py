"""Which workspace each PagerDuty service belongs to, and which service each incident is on.

Functions take a Session and never commit. The mapping is the one source of a
PagerDuty event's workspace: reads of events (`pagerduty_events`) go through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import PagerDutyEvent, PagerDutyIncident, PagerDutyService
from storage.repositories import service_owners
from storage.upsert import insert_or_update


@dataclass(frozen=True)
class SeenService:
    """A service some incident was seen on, with its name, its workspace (None: none) and
    how many webhook events of it are kept."""

    service_id: str
    name: str | None
    team_id: str | None
    kept: int = 0


def map_to(session: Session, service_id: str, team_id: str, now: datetime) -> str | None:
    """Give `service_id` to `team_id`; returns the workspace it belonged to before, if any."""
    return service_owners.map_to(session, PagerDutyService, "service_id", service_id, team_id, now)


def unmap(session: Session, service_id: str) -> str | None:
    """Take `service_id` from its workspace; returns that workspace, None if it had none."""
    return service_owners.unmap(session, PagerDutyService, "service_id", service_id)


def owner(session: Session, service_id: str) -> str | None:
    return service_owners.owner(session, PagerDutyService, "service_id", service_id)


def mapped(session: Session) -> list[PagerDutyService]:
    query = select(PagerDutyService).order_by(PagerDutyService.team_id, PagerDutyService.service_id)
    return list(session.scalars(query))


def seen(session: Session) -> list[SeenService]:
    """Every service an incident was seen on, with the name last seen and its workspace."""
    query = (
        select(
            PagerDutyIncident.service_id, PagerDutyIncident.service_name, PagerDutyService.team_id
        )
        .outerjoin(PagerDutyService, PagerDutyService.service_id == PagerDutyIncident.service_id)
        .order_by(PagerDutyIncident.service_id, PagerDutyIncident.learned_at.desc())
    )
    kept = kept_events(session)
    found: dict[str, SeenService] = {}
    for service_id, name, team_id in session.execute(query):
        known = found.get(service_id)
        if known is None or (known.name is None and name is not None):
            found[service_id] = SeenService(service_id, name, team_id, kept.get(service_id, 0))
    return list(found.values())


def kept_events(session: Session) -> dict[str, int]:
    """How many webhook events of each service are kept, by service id."""
    query = (
        select(PagerDutyEvent.service_id, func.count())
        .where(PagerDutyEvent.service_id.is_not(None))
        .group_by(PagerDutyEvent.service_id)
    )
    return {service_id: count for service_id, count in session.execute(query) if service_id}


def hold_incident(session: Session, incident_id: str) -> None:
    """Take the incident's turn until the transaction ends.

    Filing an incident's events happens from two sides: a webhook reads which
    post-mortems link the incident, a link reads which events are kept. Under READ
    COMMITTED two such transactions at once each miss the other's uncommitted row, and
    the event is kept but never filed. Both sides take this lock before they read, so
    the second sees what the first committed. SQLite's writers already take turns
    (`BEGIN IMMEDIATE` in `storage.db`)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"pagerduty-incident:{incident_id}"},
        )


def incident_service(session: Session, incident_id: str) -> PagerDutyIncident | None:
    """The service the incident was last seen on, None if no webhook or REST read named one."""
    return session.get(PagerDutyIncident, incident_id, populate_existing=True)


def learn_incident_service(
    session: Session, incident_id: str, service_id: str, name: str | None, now: datetime
) -> int:
    """Remember the incident's service, and give it to the incident's kept events that named
    none (a note's webhook does not); returns how many events that gave a service to."""
    changed: dict[str, object] = {"service_id": service_id, "learned_at": now}
    if name is not None:  # a REST answer names the service; keep the name a webhook gave
        changed["service_name"] = name
    statement = insert_or_update(
        session,
        PagerDutyIncident,
        index_elements=("incident_id",),
        set_=changed,
        incident_id=incident_id,
        service_id=service_id,
        service_name=name,
        learned_at=now,
    )
    session.execute(statement)
    fill = (
        update(PagerDutyEvent)
        .where(PagerDutyEvent.incident_id == incident_id, PagerDutyEvent.service_id.is_(None))
        .values(service_id=service_id)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, fill)
