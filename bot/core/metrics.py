"""The incident's metrics (step 1 of the method): what was charted, over which window.

A `Query` is one configured chart (`PROMETHEUS_QUERIES`: `[[query]]` with `name`, `expr`,
optional `unit` and `labels`). Fetching it over the incident window gives a `MetricChart`:
its series (one per label set Prometheus answered), the window and step asked for, and,
when nothing usable came back, why not (`missing`), which the report names among its
data gaps. Rendering (SVG for the HTML report, PNG for Slack, a table for Markdown) reads
only these values. Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# Prometheus refuses a range query of more than 11,000 points per series.
MAX_POINTS = 11_000


@dataclass(frozen=True)
class Query:
    """One chart as configured. `labels` is a selector that ties it to services
    ({"service": "checkout"}); `unit` how its values read ("req/s", "%", "s")."""

    name: str
    expr: str
    unit: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float

    def __post_init__(self) -> None:
        if self.at.tzinfo is UTC:
            return  # already as kept (Prometheus' answers, stored series): a day's 57,600 points
        if self.at.utcoffset() is None:
            raise ValueError("a metric point needs a timezone-aware time")
        object.__setattr__(self, "at", self.at.astimezone(UTC))


@dataclass(frozen=True)
class Series:
    """One label set's values in time order. `labels` as Prometheus gave them (its
    `metric` object), sorted by name; NaN and infinite samples are left out."""

    labels: tuple[tuple[str, str], ...]
    points: tuple[Point, ...]

    @property
    def label(self) -> str:
        """How a legend names it: `{service="api", code="500"}`, or the metric alone."""
        shown = [(k, v) for k, v in self.labels if k != "__name__"]
        if not shown:
            return dict(self.labels).get("__name__", "value")
        return "{" + ", ".join(f'{k}="{v}"' for k, v in shown) + "}"


@dataclass(frozen=True)
class MetricChart:
    """A query's answer over [start, end] at `step`. `missing` says, in a few words, why
    there is nothing to draw ("Prometheus unreachable", "no data in the window", "the
    query failed: …", "retention starts 14:00 UTC, after the window's start"); a chart
    may have series and still a `missing` note when part of the window is not covered."""

    query: Query
    start: datetime
    end: datetime
    step: timedelta
    series: tuple[Series, ...] = ()
    missing: str | None = None

    @property
    def drawable(self) -> bool:
        return any(series.points for series in self.series)


def step_for(start: datetime, end: datetime, *, max_points: int = MAX_POINTS) -> timedelta:
    """The smallest whole-second step that keeps [start, end] within `max_points` points
    per series, and never under 15 s (the usual scrape interval)."""
    span = max((end - start).total_seconds(), 0.0)
    seconds = max(15, -(-int(span) // (max_points - 1)) if span else 15)
    return timedelta(seconds=seconds)


# How much before and after the incident a chart shows: half an hour, or a quarter of
# the incident's span when that is longer, so the chart shows what "normal" looked like.
MARGIN = timedelta(minutes=30)


def window_around(start: datetime, end: datetime, *, now: datetime) -> tuple[datetime, datetime]:
    """The charted window of an incident that ran from `start` to `end`: with a margin
    on both sides, never past `now`."""
    margin = max(MARGIN, (end - start) / 4)
    return start - margin, max(min(end + margin, now), start)


def aligned(start: datetime, end: datetime, step: timedelta) -> tuple[datetime, datetime]:
    """[start, end] widened to whole multiples of `step` since the epoch, so a later fetch
    of a changed window samples the same instants (and an alert's first sample stays put)."""
    seconds = int(step.total_seconds())
    first = int(start.timestamp()) // seconds * seconds
    last = -(-int(end.timestamp()) // seconds) * seconds
    return datetime.fromtimestamp(first, tz=UTC), datetime.fromtimestamp(last, tz=UTC)
