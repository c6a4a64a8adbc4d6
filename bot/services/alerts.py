"""Alertmanager's alerts: kept as they come, filed on the post-mortems whose window and
service they match (`bot.alertmanager.matching` says the rule).

`record` keeps each alert transition of a notification once (before the webhook's 2xx)
and files it on the unpublished post-mortems it matches now (with OAuth only those whose
service an admin mapped to their workspace: `bot.services.monitoring_services`);
`file_kept` files the kept
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
from bot.services import milestones, monitoring_services
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
    """Keep every alert of `notification` and file each new one on the post-mortems it
    matches. A resend files nothing: its first delivery did, and a post-mortem started,
    given its service or its milestones since then filed it itself (`file_kept`)."""
    fresh = [
        alert
        for alert in notification.alerts
        if kept.keep(session, _values(alert, notification, now))
    ]
    repeated = len(notification.alerts) - len(fresh)
    if not fresh:
        return Recorded(new=0, repeated=repeated, filed=0)
    services = {alert.service for alert in fresh if alert.service}
    opened_after = min(alert.starts_at for alert in fresh) - matching.LOOKBACK
    candidates = kept.open_postmortems_for(
        session, services, unnamed_too=single_workspace, opened_after=opened_after
    )
    filed = 0
    for postmortem in candidates:
        taken = _matching(session, postmortem, fresh, single_workspace=single_workspace, now=now)
        filed += _file(session, postmortem, taken)
    return Recorded(new=len(fresh), repeated=repeated, filed=filed)


def any_kept(session: Session) -> bool:
    """Whether Alertmanager ever had an alert kept: none, and `file_kept` has nothing to
    look for (no window to compute, no mapping to read)."""
    return kept.any_kept(session)


def file_kept(
    session: Session, postmortem: Postmortem, *, single_workspace: bool, now: datetime
) -> int:
    """File on `postmortem` the kept alerts of its window and service (started, or named
    its service, after they came); how many timeline lines that added. In OAuth mode
    only when its service is mapped to its workspace (`monitoring_services`)."""
    if not monitoring_services.may_see(
        session, postmortem.team_id, postmortem.service, single_workspace=single_workspace
    ):
        return 0
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
    rows = {  # by key: a firing comes with its resolution too, and may be filed already
        entry.source_key: to_row(entry, postmortem)
        for alert in alerts
        for entry in entries_of(alert)
    }
    return timeline.add_all_unless_exist(session, list(rows.values())) if rows else 0


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
