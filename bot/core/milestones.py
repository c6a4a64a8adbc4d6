"""The incident's own clock: its milestones, where each came from, and the spans between them.

A milestone is a moment of the incident (impact started, detected, acknowledged,
declared, mitigated, resolved) with its UTC time, its origin (PagerDuty, an alert
bot's message, a marked message, the interview, a person) and whether a person
confirmed it. `derive` reads what the data says; `effective` lays what people set
over it (a person's setting always wins, and derivation never replaces it);
`durations` measures the spans the README defines as pairs of milestones, and names
the milestone a span is missing rather than guessing it; `window` and
`deadline_base` are what the report, the checklist and the follow-up count from.
Pure: standard library and other core modules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from bot.core.manual_time import parse_moment, read_time
from bot.core.report_text import is_user_id
from bot.core.timeline import (
    ACKNOWLEDGED,
    ALERT_FIRING,
    MITIGATED,
    REOPENED,
    RESOLVED,
    TRIGGER,
    Durations,
    TimelineEntry,
    says_mitigated,
)

_Matcher = Callable[[TimelineEntry], bool]


class Name(StrEnum):
    """A milestone, by the word `/postmortem milestone` takes."""

    STARTED = "started"
    DETECTED = "detected"
    ACKNOWLEDGED = "acknowledged"
    DECLARED = "declared"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


ORDER: tuple[Name, ...] = tuple(Name)
LABELS: Mapping[Name, str] = {
    Name.STARTED: "Impact started",
    Name.DETECTED: "Detected",
    Name.ACKNOWLEDGED: "Acknowledged",
    Name.DECLARED: "Incident declared",
    Name.MITIGATED: "Mitigated",
    Name.RESOLVED: "Resolved",
}
_ALIASES: Mapping[str, Name] = {
    "start": Name.STARTED,
    "impact": Name.STARTED,
    "impact_started": Name.STARTED,
    "impact-started": Name.STARTED,
    "detect": Name.DETECTED,
    "detection": Name.DETECTED,
    "ack": Name.ACKNOWLEDGED,
    "acked": Name.ACKNOWLEDGED,
    "acknowledge": Name.ACKNOWLEDGED,
    "declare": Name.DECLARED,
    "mitigate": Name.MITIGATED,
    "mitigation": Name.MITIGATED,
    "resolve": Name.RESOLVED,
    "resolution": Name.RESOLVED,
}


class Origin(StrEnum):
    """Where a milestone's time came from."""

    PAGERDUTY = "pagerduty"
    ALERT = "alert"
    MARKED = "marked"
    INTERVIEW = "interview"
    PERSON = "person"


ORIGIN_WORDS: Mapping[Origin, str] = {
    Origin.PAGERDUTY: "PagerDuty",
    Origin.ALERT: "an alert bot's message",
    Origin.MARKED: "a marked timeline line",
    Origin.INTERVIEW: "the interview's detection answer",
    Origin.PERSON: "set by a person",
}


class UnknownMilestone(ValueError):
    """A word that names no milestone; the message lists those that exist."""


def name_of(word: str) -> Name:
    """The milestone `word` names: its own name or a plain alias ("impact", "ack")."""
    cleaned = word.strip().lower()
    if cleaned in Name.__members__.values():
        return Name(cleaned)
    found = _ALIASES.get(cleaned)
    if found is None:
        names = ", ".join(f"`{name.value}`" for name in ORDER)
        raise UnknownMilestone(f"`{word}` is not a milestone; use one of {names}.")
    return found


@dataclass(frozen=True)
class Milestone:
    """One moment of the incident. `by` is who set or confirmed it; `ref` the timeline line
    (source key) or answer it was read from."""

    name: Name
    at: datetime
    origin: Origin
    confirmed: bool = False
    by: str | None = None
    ref: str | None = None

    def __post_init__(self) -> None:
        if self.at.utcoffset() is None:
            raise ValueError("a milestone needs a timezone-aware time")
        object.__setattr__(self, "at", self.at.astimezone(UTC))

    @property
    def origin_words(self) -> str:
        words = ORIGIN_WORDS[self.origin]
        if self.confirmed and self.origin is not Origin.PERSON:
            return f"{words}, confirmed"
        return words


@dataclass(frozen=True)
class Milestones:
    """The milestones known for one incident, at most one per name."""

    known: tuple[Milestone, ...] = ()

    def get(self, name: Name) -> Milestone | None:
        return next((m for m in self.known if m.name is name), None)

    def at(self, name: Name) -> datetime | None:
        found = self.get(name)
        return found.at if found else None

    @property
    def missing(self) -> tuple[Name, ...]:
        return tuple(name for name in ORDER if self.get(name) is None)


# --- derivation -------------------------------------------------------------------


def derive(
    entries: Iterable[TimelineEntry], *, detection_answer: Milestone | None = None
) -> Milestones:
    """What the data says, with no person involved.

    detected: the earliest of PagerDuty's first trigger, the first message of an alert bot
    (another app's message in the channel) and the time the interview's detection answer
    states; acknowledged: PagerDuty's first acknowledgement; mitigated: the first marked
    line (a pin, the key reaction, a manual entry) saying so; resolved: the final
    resolution (PagerDuty's, or a manual entry's), unless the incident was reopened
    after it. Nothing says when impact started or the incident was declared: people set those."""
    ordered = sorted(entries, key=lambda entry: entry.occurred_at)
    found = [
        _earliest(
            Name.DETECTED,
            [
                _first(ordered, Name.DETECTED, Origin.PAGERDUTY, _is_trigger),
                _first(ordered, Name.DETECTED, Origin.ALERT, is_alert),
                detection_answer,
            ],
        ),
        _first(ordered, Name.ACKNOWLEDGED, Origin.PAGERDUTY, _is_acknowledgement),
        _first(ordered, Name.MITIGATED, Origin.MARKED, _is_marked_mitigation),
        _final_resolution(ordered),
    ]
    return Milestones(tuple(m for m in found if m is not None))


def is_alert(entry: TimelineEntry) -> bool:
    """A message another app (Datadog, Grafana, Opsgenie…) posted in the channel: Slack
    lines whose author is not a person; or a monitoring alert that started firing
    (Prometheus' ALERTS series, an Alertmanager notification)."""
    if entry.source == "monitoring":
        return entry.kind == ALERT_FIRING
    return entry.source == "slack" and bool(entry.actor) and not is_user_id(entry.actor)


def _is_trigger(entry: TimelineEntry) -> bool:
    return entry.source == "pagerduty" and entry.kind == TRIGGER


def _is_acknowledgement(entry: TimelineEntry) -> bool:
    return entry.source == "pagerduty" and entry.kind == ACKNOWLEDGED


def _is_marked_mitigation(entry: TimelineEntry) -> bool:
    if entry.kind == MITIGATED:
        return True
    marked = entry.source == "manual" or (entry.source == "slack" and entry.is_key)
    return marked and says_mitigated(entry.text)


def _first(
    ordered: Sequence[TimelineEntry], name: Name, origin: Origin, matches: _Matcher
) -> Milestone | None:
    entry = next((entry for entry in ordered if matches(entry)), None)
    if entry is None:
        return None
    return Milestone(name, entry.occurred_at, origin, ref=entry.source_key)


def _final_resolution(ordered: Sequence[TimelineEntry]) -> Milestone | None:
    for entry in reversed(ordered):
        if entry.kind == REOPENED:
            return None
        if entry.kind == RESOLVED and entry.source in ("pagerduty", "manual"):
            origin = Origin.PAGERDUTY if entry.source == "pagerduty" else Origin.MARKED
            return Milestone(Name.RESOLVED, entry.occurred_at, origin, ref=entry.source_key)
    return None


def _earliest(name: Name, candidates: Iterable[Milestone | None]) -> Milestone | None:
    found = [m for m in candidates if m is not None and m.name is name]
    return min(found, key=lambda m: m.at, default=None)


_STATED_TIME = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}\s+)?(\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)(\s*(?:UTC|GMT|Z)\b)?",
    re.I,
)
# A clock time in an answer is read as the one nearest the incident, within half a day.
_HALF_DAY = timedelta(hours=12)


def stated_time(text: str, *, zone: tzinfo | None, near: datetime) -> datetime | None:
    """The first time of day an answer states ("the alert fired at 22:43"), as UTC: in
    `zone` (its author's), or UTC when it says so; None when it states none, or names no
    zone and its author's is unknown. A time without a date is the one nearest `near`."""
    match = _STATED_TIME.search(text)
    if match is None:
        return None
    says_utc = bool(match.group(3))
    if zone is None and not says_utc:
        return None
    phrase = "".join(part for part in match.groups() if part).strip()
    return read_time(phrase, now=near + _HALF_DAY, zone=zone or UTC)


def from_detection_answer(
    text: str, *, zone: tzinfo | None, near: datetime, answer_ref: str
) -> Milestone | None:
    moment = stated_time(text, zone=zone, near=near)
    if moment is None:
        return None
    return Milestone(Name.DETECTED, moment, Origin.INTERVIEW, ref=answer_ref)


_DATED = re.compile(r"\d{4}-\d{2}-\d{2}|\btoday\b|\byesterday\b", re.I)


def read_setting(text: str, *, now: datetime, zone: tzinfo, near: datetime | None) -> datetime:
    """The time a person gives a milestone, as `/postmortem event` reads times, except
    that a clock time alone ("22:43") is the one nearest `near` (the incident as known so
    far), not the latest one: a post-mortem held a day later still means that night.
    Raises `TimeNotUnderstood`."""
    reference = now
    if near is not None and not _DATED.search(text):
        reference = min(now, near + _HALF_DAY)
    return parse_moment(text, now=reference, zone=zone)


def anchor(milestones: Milestones) -> datetime | None:
    """Where the incident is on the clock so far: its earliest milestone."""
    return min((m.at for m in milestones.known), default=None)


# --- what counts -----------------------------------------------------------------


def effective(decided: Iterable[Milestone], derived: Milestones) -> Milestones:
    """People's settings and confirmations over what the data says: a decided milestone
    is kept whatever the data says later."""
    by_name = {m.name: m for m in derived.known}
    by_name.update({m.name: m for m in decided})
    return Milestones(tuple(by_name[name] for name in ORDER if name in by_name))


@dataclass(frozen=True)
class Span:
    """A duration the README defines: `end` − `start`."""

    field: str
    words: str
    start: Name
    end: Name


SPANS: tuple[Span, ...] = (
    Span("to_detect", "time to detect", Name.STARTED, Name.DETECTED),
    Span("to_acknowledge", "time to acknowledge", Name.DETECTED, Name.ACKNOWLEDGED),
    Span("to_mitigate", "time to mitigate", Name.STARTED, Name.MITIGATED),
    Span("to_resolve", "time to resolve", Name.STARTED, Name.RESOLVED),
)


def durations(milestones: Milestones) -> Durations:
    """Each span of `SPANS`; an unknown one says which milestone to set (`unknown`)."""
    measured: dict[str, timedelta | None] = {}
    unknown: list[tuple[str, str]] = []
    for span in SPANS:
        start, end = milestones.at(span.start), milestones.at(span.end)
        if start is None or end is None:
            measured[span.field] = None
            lacking = span.start if start is None else span.end
            unknown.append((span.field, f"set `{lacking.value}`"))
        elif end < start:
            measured[span.field] = None
            unknown.append((span.field, f"`{span.end.value}` is before `{span.start.value}`"))
        else:
            measured[span.field] = end - start
    return Durations(**measured, unknown=tuple(unknown))


def window(milestones: Milestones) -> tuple[datetime | None, datetime | None]:
    """When the incident ran: from impact started (else the earliest milestone known) to
    its resolution (None while it is not known)."""
    start = milestones.at(Name.STARTED)
    if start is None:
        start = min((m.at for m in milestones.known), default=None)
    return start, milestones.at(Name.RESOLVED)


def end_of(milestones: Milestones) -> Milestone | None:
    """The incident's end as the 48 hours count it: resolved, else mitigated."""
    return milestones.get(Name.RESOLVED) or milestones.get(Name.MITIGATED)


_BASE_WORDS: Mapping[Name, str] = {
    Name.RESOLVED: "the incident was resolved",
    Name.MITIGATED: "the incident was mitigated",
    Name.STARTED: "the incident started",
}


def deadline_base(milestones: Milestones, opened_at: datetime) -> tuple[datetime, str]:
    """What the 48-hour rule (the checklist, the nudges) counts from, and the words for it:
    resolved, else mitigated, else impact started, else `/postmortem start` (`opened_at`)."""
    for name in (Name.RESOLVED, Name.MITIGATED, Name.STARTED):
        found = milestones.get(name)
        if found is not None:
            return found.at, _BASE_WORDS[name]
    return opened_at, "the post-mortem was opened"


def in_words(milestones: Milestones) -> str:
    """Every milestone on one line, in UTC, each with where it came from; a date only
    where it changes: "Impact started 2026-11-30 22:40 (set by a person) · Detected 22:43
    (PagerDuty) · Acknowledged unknown · …" (plain words: no one's text is in them)."""
    parts, last_day = [], None
    for name in ORDER:
        found = milestones.get(name)
        if found is None:
            parts.append(f"{LABELS[name]} unknown")
            continue
        day = found.at.date()
        shown = found.at.strftime("%H:%M" if day == last_day else "%Y-%m-%d %H:%M")
        last_day = day
        parts.append(f"{LABELS[name]} {shown} ({found.origin_words})")
    return " · ".join(parts) + " (UTC)"
