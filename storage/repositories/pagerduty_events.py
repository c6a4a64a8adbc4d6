"""Stored PagerDuty webhook events. Functions take a Session and never commit.

An event is a workspace's when its service is mapped to that workspace
(`pagerduty_services`); every read here is for one workspace.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import PagerDutyEvent, PagerDutyService


def list_by_incident(
    session: Session,
    team_id: str,
    incident_id: str,
    *,
    unmapped_too: bool,
    only: Collection[str] | None = None,
) -> list[PagerDutyEvent]:
    """The incident's events that `team_id` may see: those of services mapped to it, and
    with `unmapped_too` (single-workspace mode) those of no mapped or no known service;
    with `only`, just those of these event ids."""
    visible = PagerDutyService.team_id == team_id
    if unmapped_too:
        visible = or_(visible, PagerDutyService.team_id.is_(None))
    query = (
        select(PagerDutyEvent)
        .outerjoin(PagerDutyService, PagerDutyService.service_id == PagerDutyEvent.service_id)
        .where(PagerDutyEvent.incident_id == incident_id, visible)
        .order_by(PagerDutyEvent.occurred_at, PagerDutyEvent.event_id)
    )
    if only is not None:
        query = query.where(PagerDutyEvent.event_id.in_(list(only)))
    return list(session.scalars(query))
