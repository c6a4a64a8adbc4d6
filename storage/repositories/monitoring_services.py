"""Which workspace each monitoring service belongs to (`postmortem-bot monitoring map`).

Functions take a Session and never commit. A monitoring service is a label value (the
`service` label of alerts and series), so it is named, not numbered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import MonitoringAlert, MonitoringService
from storage.repositories import service_owners


@dataclass(frozen=True)
class SeenService:
    """A service mapped by an admin or named by a kept alert: its workspace (None: none)
    and how many alert transitions of it are kept."""

    service: str
    team_id: str | None
    kept: int = 0


def map_to(session: Session, service: str, team_id: str, now: datetime) -> str | None:
    """Give `service` to `team_id`; returns the workspace it belonged to before, if any."""
    return service_owners.map_to(session, MonitoringService, "service", service, team_id, now)


def unmap(session: Session, service: str) -> str | None:
    """Take `service` from its workspace; returns that workspace, None if it had none."""
    return service_owners.unmap(session, MonitoringService, "service", service)


def owner(session: Session, service: str) -> str | None:
    return service_owners.owner(session, MonitoringService, "service", service)


def listing(session: Session) -> list[SeenService]:
    """The mapped services (by workspace, then name), then the services kept alerts named
    that no workspace has (by name)."""
    counted = session.execute(
        select(MonitoringAlert.service, func.count())
        .where(MonitoringAlert.service.is_not(None))
        .group_by(MonitoringAlert.service)
    )
    kept = {service: count for service, count in counted if service is not None}
    rows = session.execute(
        select(MonitoringService.service, MonitoringService.team_id).order_by(
            MonitoringService.team_id, MonitoringService.service
        )
    ).all()
    mapped = [SeenService(service, team_id, kept.get(service, 0)) for service, team_id in rows]
    owned = {row.service for row in mapped}
    unmapped = [
        SeenService(service, None, count)
        for service, count in sorted(kept.items())
        if service not in owned
    ]
    return mapped + unmapped
