"""The incident timeline (step 2 of the method): entries merged, measured, and its gaps named.

Entries come from Slack messages, PagerDuty (webhook events and REST log entries) and
people typing them in. `merge` orders them by time and keeps each upstream happening once;
`Durations` holds the spans between milestones (`bot.core.milestones`); a `Gap` says
what the timeline is missing and why (step 1: the report must name missing data).
Pure: standard library only.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

# "monitoring": Prometheus' ALERTS transitions and Alertmanager's notifications.
Source = Literal["slack", "pagerduty", "manual", "monitoring"]
SOURCES: tuple[Source, ...] = ("slack", "pagerduty", "manual", "monitoring")

TRIGGER = "trigger"
ACKNOWLEDGED = "acknowledged"
MITIGATED = "mitigated"
RESOLVED = "resolved"
REOPENED = "reopened"
NOTE = "note"
# A monitoring alert's transitions (source "monitoring"); its own words, so an alert that
# stops firing is never read as the incident's resolution.
ALERT_FIRING = "alert_firing"
ALERT_RESOLVED = "alert_resolved"


def alert_actor(labels: Iterable[tuple[str, str]]) -> str:
    """Who speaks on an alert's line: its name and other labels sorted by name,
    `HighErrorRate {service="checkout", severity="page"}`. One format for both feeds
    (Prometheus' ALERTS series, Alertmanager), so `merge` can tell one alert by it."""
    named = dict(labels)
    name = named.pop("alertname", None) or "alert"
    named.pop("alertstate", None)  # ALERTS' own label, which Alertmanager's alerts lack
    if not named:
        return name
    return name + " {" + ", ".join(f'{k}="{v}"' for k, v in sorted(named.items())) + "}"


# A webhook event and the REST log entry for the same action carry near-identical times;
# so do an alert's transition in Prometheus' ALERTS series and Alertmanager's notification.
SAME_HAPPENING = timedelta(minutes=1)
ALERTMANAGER_FEED = "am"
_PREFERRED_FEEDS = frozenset({"webhook", ALERTMANAGER_FEED})


@dataclass(frozen=True)
class TimelineEntry:
    """One row of the timeline.

    `source_key` is the upstream id ("C123:1700000000.000100", a PagerDuty event or log
    entry id, a manual entry id). For PagerDuty entries `via` says which feed brought it
    ("webhook" or "log") and `incident_id` which incident; `merge` uses both to keep one
    line when the two feeds report the same happening."""

    occurred_at: datetime
    source: Source
    source_key: str
    text: str
    actor: str | None = None
    is_key: bool = False
    kind: str | None = None
    incident_id: str | None = None
    via: str | None = None
    # How a reader sees it: the message was edited, it is a reply in a thread, and the
    # other feeds that reported the same happening (`bot.core.app_posts`: "slack").
    edited: bool = False
    in_thread: bool = False
    also_in: tuple[Source, ...] = ()

    def __post_init__(self) -> None:
        if self.occurred_at.utcoffset() is None:
            raise ValueError("a timeline entry needs a timezone-aware time")
        if self.source not in SOURCES:
            raise ValueError(f"unknown timeline source {self.source!r}")
        object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))

    @property
    def identity(self) -> tuple[str, str]:
        return (self.source, self.source_key)


def order_key(entry: TimelineEntry) -> tuple[datetime, str, str]:
    """Time first; equal times fall back to source then upstream id, so order is stable."""
    return (entry.occurred_at, entry.source, entry.source_key)


def merge(*streams: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """All entries in time order, each (source, source_key) once.

    A repeated key keeps the copy seen last, so pass stored entries before fresh ones to
    pick up edits. A PagerDuty webhook event and a log entry of the same incident and kind
    within a minute of each other are one happening: the webhook's line is kept, as its
    text names the incident and carries the note. Likewise an alert's firing (or
    resolution) from Prometheus' ALERTS series and from Alertmanager, same actor (the
    alert's name and labels, `alert_actor`) within a minute: Alertmanager's line is kept."""
    latest: dict[tuple[str, str], TimelineEntry] = {}
    for stream in streams:
        for entry in stream:
            latest[entry.identity] = entry
    return _collapse_twins(sorted(latest.values(), key=order_key))


def _collapse_twins(ordered: list[TimelineEntry]) -> list[TimelineEntry]:
    kept: list[TimelineEntry] = []
    absorbed: set[int] = set()
    alike = _alerts_alike(ordered)
    for index, entry in enumerate(ordered):
        if index in absorbed:
            continue
        twin = _find_twin(ordered, index, absorbed, alike)
        if twin is not None:
            absorbed.add(twin)
            entry = _combine(entry, ordered[twin])
        kept.append(entry)
    # The kept twin may be the later one, so it can move past entries between the two.
    return sorted(kept, key=order_key)


_Alike = dict[tuple[str | None, str | None], list[int]]


def _alerts_alike(ordered: list[TimelineEntry]) -> _Alike:
    """The positions of the alert lines of each kind and actor, in time order: an alert
    storm puts hundreds of lines in one minute, and each looks only among its own."""
    alike: _Alike = {}
    for index, entry in enumerate(ordered):
        if entry.source == "monitoring" and _feed(entry) is not None:
            alike.setdefault((entry.kind, entry.actor), []).append(index)
    return alike


def _find_twin(
    ordered: list[TimelineEntry], index: int, absorbed: set[int], alike: _Alike
) -> int | None:
    entry = ordered[index]
    if entry.kind is None or _feed(entry) is None:
        return None
    if entry.source == "pagerduty":
        later_ones: Iterable[int] = range(index + 1, len(ordered))
        same = _twins
    else:
        positions = alike[(entry.kind, entry.actor)]
        later_ones = positions[bisect.bisect_right(positions, index) :]
        same = _alert_twins
    for later in later_ones:
        other = ordered[later]
        if other.occurred_at - entry.occurred_at > SAME_HAPPENING:
            return None
        if later not in absorbed and same(entry, other):
            return later
    return None


def _feed(entry: TimelineEntry) -> str | None:
    """Which feed brought a line that another feed may report too: PagerDuty's webhook or
    log (`via`); for an alert, Prometheus' ALERTS series ("prom:…") or Alertmanager ("am:…")."""
    if entry.source == "pagerduty":
        return entry.via
    if entry.source == "monitoring" and entry.kind in (ALERT_FIRING, ALERT_RESOLVED):
        return entry.source_key.split(":", 1)[0]
    return None


def _alert_twins(first: TimelineEntry, second: TimelineEntry) -> bool:
    """One alert's transition seen by both feeds: same kind, same name and labels (actor)."""
    return (
        second.source == "monitoring"
        and second.kind == first.kind
        and second.actor == first.actor
        and _feed(second) not in (None, _feed(first))
    )


def _twins(first: TimelineEntry, second: TimelineEntry) -> bool:
    same_incident = (
        first.incident_id is None
        or second.incident_id is None
        or first.incident_id == second.incident_id
    )
    return (
        second.source == "pagerduty"
        and second.kind == first.kind
        and second.via is not None
        and second.via != first.via
        and same_incident
    )


def _combine(first: TimelineEntry, second: TimelineEntry) -> TimelineEntry:
    """PagerDuty's webhook line, and Alertmanager's (its text is the alert's summary), win."""
    kept, dropped = (second, first) if _feed(second) in _PREFERRED_FEEDS else (first, second)
    return replace(kept, is_key=kept.is_key or dropped.is_key, actor=kept.actor or dropped.actor)


@dataclass(frozen=True)
class Durations:
    """How long each stage took, measured between milestones (`bot.core.milestones`).

    A span is None when a milestone it needs is not known; `unknown` says, per field
    ("to_detect"), what would make it known ("set `started`")."""

    to_detect: timedelta | None
    to_acknowledge: timedelta | None
    to_mitigate: timedelta | None
    to_resolve: timedelta | None
    unknown: tuple[tuple[str, str], ...] = ()

    def why_unknown(self, field: str) -> str | None:
        return dict(self.unknown).get(field)


_MITIGATED_WORDS = re.compile(
    r"\bmitigated\b|\bmitigation (?:is )?(?:deployed|applied|in place|live|done)\b", re.I
)
_NEGATION = re.compile(
    r"(?:\bnot\b|n't\b|\bnever\b|\bno\b|\byet\b|\bonce\b|\bif\b|\bwhen\b|\buntil\b)", re.I
)


def _is_mitigation(entry: TimelineEntry) -> bool:
    if entry.kind == MITIGATED:
        return True
    return entry.source in ("slack", "manual") and says_mitigated(entry.text)


def says_mitigated(text: str) -> bool:
    """Whether a message reports mitigation: "mitigated", not "not yet mitigated" or a question."""
    for match in _MITIGATED_WORDS.finditer(text):
        before = text[max(0, match.start() - 25) : match.start()]
        after = text[match.end() : match.end() + 3]
        if not _NEGATION.search(before) and "?" not in after:
            return True
    return False


class GapKind(StrEnum):
    PAGERDUTY_NOT_LINKED = "pagerduty_not_linked"
    PAGERDUTY_NOT_CONFIGURED = "pagerduty_not_configured"
    HISTORY_UNREADABLE = "history_unreadable"
    MESSAGES_DELETED = "messages_deleted"
    BACKFILL_CUT_SHORT = "backfill_cut_short"
    BACKFILL_UNFINISHED = "backfill_unfinished"
    # The incident's metrics (Prometheus), stated by each fetch (`bot.flows.metrics`).
    PROMETHEUS_NOT_CONFIGURED = "prometheus_not_configured"
    PROMETHEUS_UNREACHABLE = "prometheus_unreachable"
    METRIC_QUERY_FAILED = "metric_query_failed"
    METRIC_NO_DATA = "metric_no_data"
    METRIC_RETENTION_SHORT = "metric_retention_short"


METRICS_GAPS = frozenset(
    {
        GapKind.PROMETHEUS_NOT_CONFIGURED,
        GapKind.PROMETHEUS_UNREACHABLE,
        GapKind.METRIC_QUERY_FAILED,
        GapKind.METRIC_NO_DATA,
        GapKind.METRIC_RETENTION_SHORT,
    }
)


@dataclass(frozen=True)
class Gap:
    """Something the timeline is missing; `describe()` says what, for the report."""

    kind: GapKind
    count: int = 0
    where: str | None = None
    reason: str | None = None
    # A person said it is on purpose (`/postmortem gap ack`): noted, no longer a failure.
    acknowledged_by: str | None = None
    # Their words, for a gap whose `reason` is already the system's (a metrics gap).
    note: str | None = None

    @classmethod
    def pagerduty_not_linked(cls) -> Gap:
        return cls(GapKind.PAGERDUTY_NOT_LINKED)

    @classmethod
    def pagerduty_not_configured(cls) -> Gap:
        return cls(GapKind.PAGERDUTY_NOT_CONFIGURED)

    @classmethod
    def history_unreadable(cls, where: str | None = None) -> Gap:
        return cls(GapKind.HISTORY_UNREADABLE, where=where)

    @classmethod
    def messages_deleted(cls, count: int) -> Gap:
        return cls(GapKind.MESSAGES_DELETED, count=count)

    @classmethod
    def backfill_cut_short(cls, where: str, reason: str) -> Gap:
        return cls(GapKind.BACKFILL_CUT_SHORT, where=where, reason=reason)

    @classmethod
    def backfill_unfinished(
        cls, where: str, read_back_to: datetime | None, *, newer_than: datetime | None = None
    ) -> Gap:
        """A backfill under way, or cut short by a crash and not yet resumed: the history
        older than `read_back_to` (all of it, when None) is not in the timeline yet; or,
        resuming with all that read, what was posted after `newer_than` is not."""
        if newer_than is not None:
            unread = f"history after {format_utc_minute(newer_than)} not read yet"
        elif read_back_to is not None:
            unread = f"history before {format_utc_minute(read_back_to)} not read yet"
        else:
            unread = "none of it read yet"
        return cls(GapKind.BACKFILL_UNFINISHED, where=where, reason=unread)

    def describe(self) -> str:
        said = _DESCRIPTIONS[self.kind](self)
        if not self.acknowledged_by:
            return said
        if self.kind == GapKind.MESSAGES_DELETED:
            return f"{said} {ACKNOWLEDGED_WORDS}"
        if self.kind in METRICS_GAPS:
            return f"{said} Acknowledged: {(self.note or 'known and accepted').rstrip('.')}."
        return f"{said} Acknowledged: {(self.reason or NO_PAGER).rstrip('.')}."


ACKNOWLEDGED_WORDS = "Acknowledged: removed on purpose."
# Why there is no PagerDuty incident, when the person who acknowledged it gave no words.
NO_PAGER = "this team uses no pager"


def _deleted(gap: Gap) -> str:
    if gap.count == 1:
        return "1 message was deleted from the channel and is not in the timeline."
    return f"{gap.count} messages were deleted from the channel and are not in the timeline."


_DESCRIPTIONS: dict[GapKind, Callable[[Gap], str]] = {
    GapKind.PAGERDUTY_NOT_LINKED: lambda gap: (
        "No PagerDuty incident is linked, so pager events (triggered, acknowledged, "
        "escalated, resolved) are not in the timeline."
    ),
    GapKind.PAGERDUTY_NOT_CONFIGURED: lambda gap: (
        "The PagerDuty API is not configured (PAGERDUTY_API_TOKEN), so the incident's log "
        "could not be read; only events PagerDuty delivered by webhook are in the timeline."
    ),
    GapKind.HISTORY_UNREADABLE: lambda gap: (
        f"The history of {gap.where or 'the channel'} could not be read (the bot is not a "
        "member, or the channel is private), so earlier messages are not in the timeline."
    ),
    GapKind.MESSAGES_DELETED: _deleted,
    GapKind.BACKFILL_CUT_SHORT: lambda gap: (
        f"Reading {gap.where or 'the history'} stopped early ({gap.reason or 'no reason given'}), "
        "so the timeline may be incomplete."
    ),
    GapKind.BACKFILL_UNFINISHED: lambda gap: (
        f"Reading {gap.where or 'the history'} is not finished ({gap.reason or 'under way'}); "
        "the bot goes on reading by itself, and this line goes once it has read it all."
    ),
    GapKind.PROMETHEUS_NOT_CONFIGURED: lambda gap: (
        "Prometheus is not configured (PROMETHEUS_URL), so the charts of PROMETHEUS_QUERIES "
        "and the alerts' history are not in the report."
    ),
    GapKind.PROMETHEUS_UNREACHABLE: lambda gap: (
        f"Prometheus could not be reached ({gap.reason or 'no answer'}), so the incident's "
        "metrics and the alerts' history are not in the report."
        if gap.where is None
        else f"Prometheus could not be reached ({gap.reason or 'no answer'}): the charts are "
        f"as fetched {gap.where}, and alerts since then are not in the timeline."
    ),
    GapKind.METRIC_QUERY_FAILED: lambda gap: (
        f"The chart “{gap.where or 'a query'}” is missing "
        f"({gap.reason or 'Prometheus refused its query'})."
    ),
    GapKind.METRIC_NO_DATA: lambda gap: (
        f"The chart “{gap.where or 'a query'}” is empty: Prometheus answered "
        f"{gap.reason or 'no data in the window'}."
    ),
    GapKind.METRIC_RETENTION_SHORT: lambda gap: (
        f"Prometheus keeps less than the incident window ({gap.reason or 'retention too short'}), "
        "so the metrics of its start are gone."
    ),
}


def format_utc_minute(moment: datetime) -> str:
    """Show a time as UTC to the minute, "2026-11-24 14:05 UTC", as the method asks."""
    if moment.utcoffset() is None:
        raise ValueError("cannot show a time without a timezone as UTC")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
