"""Prometheus' ALERTS series as timeline lines: each run of firing samples is one
firing line at its first sample and, if it ended inside the window, one resolved line
at its last. A run already under way at the window's start is said as such, a plain
line (no kind): when it began is not known, so it is no firing transition.

ALERTS{alertstate="firing"} has a sample at each evaluation while an alert fires and
none after it resolves; a hole longer than two steps ends a run. Keys are
"prom:<alertname>:<labels digest>:<start, unix minute>" (":resolved" for the end), so
fetching the same window again, at another step, files nothing twice; Alertmanager's
lines are "am:…" and `bot.core.timeline.merge` shows one line when both saw it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta

from bot.core.metrics import Point, Series
from bot.core.timeline import ALERT_FIRING, ALERT_RESOLVED, TimelineEntry, alert_actor

PREFIX = "prom"


def transitions(
    series: tuple[Series, ...], *, start: datetime, end: datetime, step: timedelta
) -> tuple[TimelineEntry, ...]:
    """Firing and resolved lines of every ALERTS series over [start, end]."""
    entries: list[TimelineEntry] = []
    for one in series:
        labels = tuple((k, v) for k, v in one.labels if k not in ("__name__", "alertstate"))
        for first, last in _runs(one.points, step):
            entries.extend(_lines(labels, first, last, start=start, end=end, step=step))
    return tuple(sorted(entries, key=lambda entry: (entry.occurred_at, entry.source_key)))


def _runs(points: tuple[Point, ...], step: timedelta) -> Iterator[tuple[Point, Point]]:
    run: list[Point] = []
    for point in points:
        if run and point.at - run[-1].at > 2 * step:
            yield run[0], run[-1]
            run = []
        run.append(point)
    if run:
        yield run[0], run[-1]


def _lines(
    labels: tuple[tuple[str, str], ...],
    first: Point,
    last: Point,
    *,
    start: datetime,
    end: datetime,
    step: timedelta,
) -> list[TimelineEntry]:
    actor = alert_actor(labels)
    name = dict(labels).get("alertname") or "alert"
    key = f"{PREFIX}:{name}:{_digest(labels)}:{int(first.at.timestamp()) // 60 * 60}"
    # Firing at the window's first sample: it began before, so its line is no transition
    # (no "detected" milestone at the window's edge, no twin of Alertmanager's firing).
    before = first.at - start < step
    lines = [
        TimelineEntry(
            occurred_at=first.at,
            source="monitoring",
            source_key=key,
            text=f"Alert {name} firing" + (" (already firing when the window starts)" * before),
            actor=actor,
            kind=None if before else ALERT_FIRING,
        )
    ]
    if end - last.at > 2 * step:  # it stopped firing inside the window
        lines.append(
            TimelineEntry(
                occurred_at=last.at,
                source="monitoring",
                source_key=f"{key}:resolved",
                text=f"Alert {name} resolved",
                actor=actor,
                kind=ALERT_RESOLVED,
            )
        )
    return lines


def _digest(labels: tuple[tuple[str, str], ...]) -> str:
    text = "\n".join(f"{k}={v}" for k, v in sorted(labels))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
