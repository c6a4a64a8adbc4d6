"""Alertmanager's alerts: kept as they come, filed on the post-mortems whose window and
service they match (`bot.alertmanager.matching` says the rule).

`record` keeps each alert transition of a notification once (before the webhook's 2xx)
and files it on the unpublished post-mortems it matches now; `file_kept` files the kept
ones on a post-mortem started, or given its service, after they came. Filing is
idempotent: a timeline line is keyed on the transition (`Alert.key`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.alertmanager import matching
from bot.alertmanager.timeline import entries_of
from bot.alertmanager.webhook import FIRING, RESOLVED, Alert, Notification
from bot.services import milestones
from bot.services.timeline_rows import to_row
from storage.models import MonitoringAlert, Postmortem
from storage.repositories import alerts as kept
from storage.repositories import timeline


@dataclass(frozen=True)
class Recorded:
    """What a notification did: transitions kept for the first time, ones kept before
    (a resend), and timeline lines it added on post-mortems."""

    new: int
    repeated: int
    filed: int


def record(
    session: Session, notification: Notification, *, single_workspace: bool, now: datetime
) -> Recorded:
    """Keep every alert of `notification` and file each on the post-mortems it matches."""
    new = sum(
        kept.keep(session, _values(alert, notification, now)) for alert in notification.alerts
    )
    services = {alert.service for alert in notification.alerts if alert.service}
    candidates = kept.open_postmortems_for(session, services, unnamed_too=single_workspace)
    filed = 0
    for postmortem in candidates:
        taken = _matching(
            session, postmortem, notification.alerts, single_workspace=single_workspace, now=now
        )
        filed += _file(session, postmortem, taken)
    return Recorded(new=new, repeated=len(notification.alerts) - new, filed=filed)


def file_kept(
    session: Session, postmortem: Postmortem, *, single_workspace: bool, now: datetime
) -> int:
    """File on `postmortem` the kept alerts of its window and service (started, or named
    its service, after they came); how many timeline lines that added."""
    start, end = _window(session, postmortem, now)
    stored = kept.starting_between(
        session, start, end, service=postmortem.service, any_service=single_workspace
    )
    return _file(session, postmortem, [_alert_of(row) for row in stored])


def _matching(
    session: Session,
    postmortem: Postmortem,
    alerts: Iterable[Alert],
    *,
    single_workspace: bool,
    now: datetime,
) -> list[Alert]:
    span = _window(session, postmortem, now)
    return [
        alert
        for alert in alerts
        if matching.same_service(
            postmortem.service, alert.service, single_workspace=single_workspace
        )
        and matching.within(alert.starts_at, span)
    ]


def _window(session: Session, postmortem: Postmortem, now: datetime) -> matching.Window:
    opened = postmortem.created_at
    if postmortem.history_since is not None:
        opened = min(opened, postmortem.history_since)
    return matching.window(milestones.current(session, postmortem), opened_at=opened, now=now)


def _file(session: Session, postmortem: Postmortem, alerts: Sequence[Alert]) -> int:
    rows = [to_row(entry, postmortem) for alert in alerts for entry in entries_of(alert)]
    if not rows:
        return 0
    have = timeline.by_keys(session, postmortem.id, "monitoring", [r.source_key for r in rows])
    fresh = {row.source_key: row for row in rows if row.source_key not in have}
    return timeline.add_all_unless_exist(session, list(fresh.values()))


def _values(alert: Alert, notification: Notification, now: datetime) -> dict[str, object]:
    return {
        "key": alert.key,
        "fingerprint": alert.fingerprint,
        "status": alert.status,
        "alertname": alert.alertname,
        "service": alert.service,
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "generator_url": alert.generator_url,
        "group_key": notification.group_key,
        "receiver": notification.receiver,
        "received_at": now,
    }


def _alert_of(row: MonitoringAlert) -> Alert:
    """A kept transition as the alert it came in as."""
    return Alert(
        fingerprint=row.fingerprint,
        status=RESOLVED if row.status == RESOLVED else FIRING,
        labels=tuple(sorted(row.labels.items())),
        annotations=tuple(sorted(row.annotations.items())),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        generator_url=row.generator_url,
    )
