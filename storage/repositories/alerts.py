"""Kept Alertmanager alerts, and the post-mortems that may take them. Functions take a
Session and never commit."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from storage.models import MonitoringAlert, MonitoringService, Postmortem
from storage.upsert import insert_ignoring_conflicts


def keep(session: Session, values: Mapping[str, Any]) -> bool:
    """Keep one alert transition (column -> value); False when its key is kept already."""
    statement = insert_ignoring_conflicts(
        session, MonitoringAlert, index_elements=["key"], **values
    ).returning(MonitoringAlert.id)
    return session.scalar(statement) is not None


def any_kept(session: Session) -> bool:
    """Whether any alert is kept at all (none where Alertmanager sends nothing)."""
    return session.scalar(select(MonitoringAlert.id).limit(1)) is not None


def by_keys(session: Session, keys: Collection[str]) -> list[MonitoringAlert]:
    if not keys:
        return []
    query = select(MonitoringAlert).where(MonitoringAlert.key.in_(list(keys)))
    return list(session.scalars(query.order_by(MonitoringAlert.starts_at, MonitoringAlert.id)))


def starting_between(
    session: Session, start: datetime, end: datetime, *, service: str | None, any_service: bool
) -> list[MonitoringAlert]:
    """The kept alerts that started in [start, end]: about `service` when it is given,
    else any when `any_service`, else none."""
    if service is not None:
        about: ColumnElement[bool] = MonitoringAlert.service == service
    elif any_service:
        about = MonitoringAlert.id.is_not(None)
    else:
        return []
    query = select(MonitoringAlert).where(
        MonitoringAlert.starts_at >= start, MonitoringAlert.starts_at <= end, about
    )
    return list(session.scalars(query.order_by(MonitoringAlert.starts_at, MonitoringAlert.id)))


def open_postmortems_for(
    session: Session, services: Collection[str], *, unnamed_too: bool, opened_after: datetime
) -> list[Postmortem]:
    """The unpublished post-mortems opened after `opened_after` about one of `services`,
    and with `unnamed_too` (single-workspace mode) those that name no service: who may
    take a fresh alert. Without `unnamed_too` (OAuth mode) only those whose service an
    admin mapped to their own workspace (`monitoring_services`)."""
    about: ColumnElement[bool] = Postmortem.service.in_(list(services)) if services else false()
    if unnamed_too:
        about = or_(about, Postmortem.service.is_(None))
    query = select(Postmortem).where(
        Postmortem.published_at.is_(None), Postmortem.created_at >= opened_after, about
    )
    if not unnamed_too:
        query = query.join(
            MonitoringService,
            (MonitoringService.service == Postmortem.service)
            & (MonitoringService.team_id == Postmortem.team_id),
        )
    return list(session.scalars(query.order_by(Postmortem.id)))
