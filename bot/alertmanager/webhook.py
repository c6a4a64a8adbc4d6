"""Alertmanager's webhook notification (version 4), read into typed alerts.

Alertmanager POSTs one notification per alert group: `version`, `groupKey`, `status`,
`receiver`, and `alerts[]`, each with its own `status`, `labels`, `annotations`,
`startsAt`, `endsAt` (the zero time `0001-01-01T00:00:00Z` while it fires), `fingerprint`
and `generatorURL`. `parse_notification` checks that shape and raises `BadArguments`
saying what is wrong, so the route answers 400 for a body that is not one (Alertmanager
does not retry a 4xx) and never a 500. Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from bot.errors import BadArguments

VERSION = "4"
Status = Literal["firing", "resolved"]
FIRING: Status = "firing"
RESOLVED: Status = "resolved"
# Alertmanager's "not ended yet": Go's zero time.
_ZERO_YEAR = 1
# The labels that name the service an alert is about, the first one present wins:
# `service` as the contract has it, else Kubernetes' `app`, else Prometheus' `job`.
SERVICE_LABELS = ("service", "app", "job")
ALERTNAME = "alertname"
_FNV_OFFSET, _FNV_PRIME, _U64 = 14695981039346656037, 1099511628211, (1 << 64) - 1


@dataclass(frozen=True)
class Alert:
    """One alert of a notification. `labels`/`annotations` are sorted (name, value) pairs;
    `ends_at` is None while it fires with no end known."""

    fingerprint: str
    status: Status
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]
    starts_at: datetime
    ends_at: datetime | None
    generator_url: str | None

    @property
    def alertname(self) -> str:
        return dict(self.labels).get(ALERTNAME, "alert")

    @property
    def service(self) -> str | None:
        """The service the alert is about (`SERVICE_LABELS`), None when it names none."""
        named = dict(self.labels)
        return next((named[k] for k in SERVICE_LABELS if named.get(k)), None)

    @property
    def key(self) -> str:
        """This transition's identity: fingerprint, start (unix seconds) and, once
        resolved, ":resolved". A resend of the same firing or resolution has the same key;
        the same labels firing again later have a new start, so a new key."""
        base = f"am:{self.fingerprint}:{int(self.starts_at.timestamp())}"
        return f"{base}:resolved" if self.status == RESOLVED else base


@dataclass(frozen=True)
class Notification:
    group_key: str
    status: Status
    receiver: str
    alerts: tuple[Alert, ...]
    truncated_alerts: int = 0


def parse_notification(document: Mapping[str, Any]) -> Notification:
    """The notification in a decoded webhook body; BadArguments naming what is missing."""
    version = document.get("version")
    if version != VERSION:
        raise BadArguments(f"Not an Alertmanager v4 notification (version {version!r}).")
    alerts = document.get("alerts")
    if not isinstance(alerts, list):
        raise BadArguments("The notification has no `alerts` list.")
    truncated = document.get("truncatedAlerts", 0)
    return Notification(
        group_key=_text(document, "groupKey"),
        status=_status(document),
        receiver=_text(document, "receiver"),
        alerts=tuple(_alert(item, index) for index, item in enumerate(alerts)),
        truncated_alerts=truncated if isinstance(truncated, int) else 0,
    )


def _alert(item: object, index: int) -> Alert:
    if not isinstance(item, dict):
        raise BadArguments(f"alerts[{index}] is not an object.")
    labels = _pairs(item.get("labels"), f"alerts[{index}].labels")
    if not labels:
        raise BadArguments(f"alerts[{index}] has no labels.")
    return Alert(
        fingerprint=_fingerprint(item.get("fingerprint"), labels),
        status=_status(item, f"alerts[{index}]"),
        labels=labels,
        annotations=_pairs(item.get("annotations"), f"alerts[{index}].annotations"),
        starts_at=_required_time(item.get("startsAt"), f"alerts[{index}].startsAt"),
        ends_at=_time(item.get("endsAt"), f"alerts[{index}].endsAt"),
        generator_url=item.get("generatorURL")
        if isinstance(item.get("generatorURL"), str)
        else None,
    )


def _text(document: Mapping[str, Any], key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str):
        raise BadArguments(f"The notification has no `{key}`.")
    return value


def _status(document: Mapping[str, Any], where: str = "The notification") -> Status:
    value = document.get("status")
    if value == FIRING:
        return FIRING
    if value == RESOLVED:
        return RESOLVED
    raise BadArguments(f"{where}'s status is {value!r}, not firing or resolved.")


def _pairs(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise BadArguments(f"{where} is not an object of strings.")
    return tuple(sorted(value.items()))


def _fingerprint(value: object, labels: tuple[tuple[str, str], ...]) -> str:
    """The alert's `fingerprint`; for a sender that omits it (Alertmanager before 0.19),
    the one Alertmanager gives those labels (`fingerprint_of`)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return fingerprint_of(labels)


def fingerprint_of(labels: tuple[tuple[str, str], ...]) -> str:
    """Prometheus' label-set fingerprint, as Alertmanager prints it: 64-bit FNV-1a over
    each name and value in name order, each followed by the byte 0xff; 16 hex digits."""
    digest = _FNV_OFFSET
    for name, value in sorted(labels):
        for part in (name.encode(), value.encode()):
            for byte in part + b"\xff":
                digest = ((digest ^ byte) * _FNV_PRIME) & _U64
    return f"{digest:016x}"


def _required_time(value: object, where: str) -> datetime:
    moment = _time(value, where)
    if moment is None:
        raise BadArguments(f"{where} is missing.")
    return moment


def _time(value: object, where: str) -> datetime | None:
    """RFC 3339 (Go writes nanoseconds; Python keeps microseconds) as aware UTC; None for
    Go's zero time and for an absent value."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadArguments(f"{where} is not a time.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadArguments(f"{where} is not an RFC 3339 time: {value[:40]!r}.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment.year <= _ZERO_YEAR:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # past year 9999 in UTC
        raise BadArguments(f"{where} is out of range: {value[:40]!r}.") from None
