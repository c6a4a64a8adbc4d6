"""The timeline as a chart: where each mark goes on a time axis, for an inline SVG.

Geometry only; `templates/report.html.j2` draws it. The chart has the incident's
phases (detect, acknowledge, mitigate, resolve) as bands between its milestones,
the key events as numbered marks in one lane per source (the numbers are the rows
of the report's timeline table), and every event, key or not, as an activity
histogram along the axis.

The axis spans the incident's window (its milestones, else the span of its key events)
with a margin, so next-morning chatter does not squeeze the incident into a corner;
what happened outside is summed up at the edges ("+14 events before"). Milestone labels
are laid out in as many rows as it takes for none to overlap another.
Pure: standard library and other core modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from bot.core.milestones import Milestones
from bot.core.timeline import (
    ACKNOWLEDGED,
    MITIGATED,
    REOPENED,
    RESOLVED,
    TRIGGER,
    TimelineEntry,
    says_mitigated,
)

WIDTH = 960
LEFT, RIGHT = 112, 24
# Milestone labels: the first row's baseline, one row below another, the room kept
# between two labels of one row.
LABEL_FIRST, LABEL_ROW, LABEL_GAP = 14.0, 16.0, 8.0
PHASE_HEIGHT = 26
LANE_HEIGHT = 40
# A generous width of a character of the chart's 12px labels, to keep labels apart.
CHAR_WIDTH = 7.2
# Room on each side of the incident's window: a share of it, at least a couple of minutes.
MARGIN_SHARE = 0.08
MIN_MARGIN = timedelta(minutes=2)
# How far outside the window a key event still widens the axis to show it.
REACH_SHARE = 0.5
MIN_REACH = timedelta(minutes=15)
HISTOGRAM_HEIGHT = 44
BINS = 96
NUMBERED_MARKS = 60
LANES = (
    ("monitoring", "Monitoring"),
    ("pagerduty", "PagerDuty"),
    ("slack", "Slack"),
    ("manual", "Manual"),
)
# Tick steps in minutes: a minute up to a week.
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
MAX_TICKS = 10


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Lane:
    y: float
    label: str


@dataclass(frozen=True)
class Phase:
    x: float
    width: float
    label: str
    key: str


@dataclass(frozen=True)
class Milestone:
    x: float
    label: str
    time: str
    label_y: float
    anchor: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    number: int
    source: str
    title: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int


@dataclass(frozen=True)
class Edge:
    """What happened outside the axis on one side, summed up: "+14 events before"."""

    x: float
    count: int
    label: str
    anchor: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    phase_top: float
    phase_height: int
    lane_top: float
    axis_y: float
    histogram_y: float
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]
    phases: tuple[Phase, ...]
    milestones: tuple[Milestone, ...]
    marks: tuple[Mark, ...]
    bars: tuple[Bar, ...]
    numbered: bool
    # The incident's window on the axis (x and width), and what fell outside the axis.
    window_x: float = 0.0
    window_width: float = 0.0
    edges: tuple[Edge, ...] = ()


class _Axis:
    """Time to x, over the window [lo, hi] with a margin at both ends."""

    def __init__(self, lo: datetime, hi: datetime) -> None:
        span = max(hi - lo, timedelta(minutes=1))
        margin = max(span * MARGIN_SHARE, MIN_MARGIN)
        self.start, self.end = lo, hi
        self.lo, self.hi = lo - margin, hi + margin
        self.seconds = (self.hi - self.lo).total_seconds()

    def x(self, moment: datetime) -> float:
        share = (moment - self.lo).total_seconds() / self.seconds
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def holds(self, moment: datetime) -> bool:
        return self.lo <= moment <= self.hi


def chart(
    entries: Sequence[TimelineEntry],
    key_entries: Sequence[TimelineEntry],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    milestones: Milestones | None = None,
) -> Chart | None:
    """The chart of a timeline over the incident's window; None with no events to place.

    The window is `start`–`end` (the report's, from its milestones); a side not known is
    the span of the key events and milestones there are, else of every event."""
    if not entries:
        return None
    named = (
        named_milestones(milestones) if milestones and milestones.known else _milestones(entries)
    )
    axis = _Axis(*window(entries, key_entries, named, start, end))
    named = {name: at for name, at in named.items() if axis.holds(at)}
    labels = milestone_labels(named, axis.x)
    rows = 1 + max((round((m.label_y - LABEL_FIRST) / LABEL_ROW) for m in labels), default=0)
    phase_top = LABEL_FIRST + LABEL_ROW * (rows - 1) + 12
    lane_top = phase_top + PHASE_HEIGHT + 12
    histogram_y = lane_top + LANE_HEIGHT * len(LANES) + 8
    axis_y = histogram_y + HISTOGRAM_HEIGHT
    edges = _edges(axis, entries)
    return Chart(
        width=WIDTH,
        height=int(axis_y + (52 if edges else 34)),
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        phase_top=phase_top,
        phase_height=PHASE_HEIGHT,
        lane_top=lane_top,
        axis_y=axis_y,
        histogram_y=histogram_y,
        lanes=tuple(
            Lane(lane_top + LANE_HEIGHT * i + LANE_HEIGHT / 2, label)
            for i, (_, label) in enumerate(LANES)
        ),
        ticks=time_ticks(axis.lo, axis.hi, axis.x),
        phases=_phases(axis, named, start),
        milestones=labels,
        marks=_marks(axis, key_entries, lane_top),
        bars=_bars(axis, entries, histogram_y),
        numbered=len(key_entries) <= NUMBERED_MARKS,
        window_x=axis.x(axis.start),
        window_width=round(axis.x(axis.end) - axis.x(axis.start), 1),
        edges=edges,
    )


def window(
    entries: Sequence[TimelineEntry],
    key_entries: Sequence[TimelineEntry],
    named: dict[str, datetime],
    start: datetime | None,
    end: datetime | None,
) -> tuple[datetime, datetime]:
    """The span the axis shows: the incident's window where known, a side not known being
    the earliest (latest) key event or milestone, else of every event; widened to the key
    events close to it (within half the window, at least 15 minutes)."""
    marked = [e.occurred_at for e in key_entries] + list(named.values())
    known = [t for t in (start, end) if t is not None]
    pool = marked or [e.occurred_at for e in entries]
    lo = start if start is not None else min(pool + known)
    hi = end if end is not None else max(pool + known)
    if hi < lo:  # a window whose end was set before its start: show both
        lo, hi = hi, lo
    # A key event just outside (the first message, minutes before the trigger) is part of
    # the story; one the next morning is not.
    reach = max((hi - lo) * REACH_SHARE, MIN_REACH)
    near = [t for t in marked if lo - reach <= t <= hi + reach]
    return min([lo, *near]), max([hi, *near])


def named_milestones(milestones: Milestones) -> dict[str, datetime]:
    """The incident's milestones in time order, by their command word ("detected")."""
    return {m.name.value: m.at for m in sorted(milestones.known, key=lambda m: m.at)}


def _edges(axis: _Axis, entries: Sequence[TimelineEntry]) -> tuple[Edge, ...]:
    before = sum(1 for e in entries if e.occurred_at < axis.lo)
    after = sum(1 for e in entries if e.occurred_at > axis.hi)
    edges = []
    if before:
        edges.append(Edge(float(LEFT), before, f"+{before} {_events(before)} before", "start"))
    if after:
        edges.append(Edge(float(WIDTH - RIGHT), after, f"+{after} {_events(after)} after", "end"))
    return tuple(edges)


def _events(count: int) -> str:
    return "event" if count == 1 else "events"


def _milestones(entries: Sequence[TimelineEntry]) -> dict[str, datetime]:
    """First trigger, acknowledgement and mitigation; the final resolution."""
    found: dict[str, datetime] = {}
    for entry in entries:
        name = _milestone_of(entry)
        if name == "resolved" or (name and name not in found):
            found[name] = entry.occurred_at
        if entry.kind == REOPENED:
            found.pop("resolved", None)
    order = ("triggered", "acknowledged", "mitigated", "resolved")
    return {name: found[name] for name in order if name in found}


def _milestone_of(entry: TimelineEntry) -> str | None:
    names = {TRIGGER: "triggered", ACKNOWLEDGED: "acknowledged", MITIGATED: "mitigated"}
    if entry.kind in names:
        return names[entry.kind]
    if entry.kind == RESOLVED:
        return "resolved"
    if entry.source in ("slack", "manual") and says_mitigated(entry.text):
        return "mitigated"
    return None


def _phases(
    axis: _Axis, milestones: dict[str, datetime], start: datetime | None
) -> tuple[Phase, ...]:
    """Bands between consecutive milestones, each named for what it waited on."""
    labels = {
        "triggered": "Detect",
        "detected": "Detect",
        "acknowledged": "Acknowledge",
        "mitigated": "Mitigate",
        "resolved": "Resolve",
    }
    points = [("start", start)] if start is not None else []
    points += [(name, at) for name, at in milestones.items() if name in labels]
    phases = []
    for (_, begin), (name, finish) in pairwise(points):
        if begin is None or finish <= begin or name not in labels:
            continue
        x0, x1 = axis.x(begin), axis.x(finish)
        phases.append(Phase(x0, round(x1 - x0, 1), labels[name], labels[name].lower()))
    return tuple(phases)


def milestone_labels(
    milestones: dict[str, datetime],
    x: Callable[[datetime], float],
    *,
    top: float = LABEL_FIRST,
    width: int = WIDTH,
) -> tuple[Milestone, ...]:
    """Milestone lines with their labels in the first row where each clears the labels
    already there; a label that fits in no row opens a new one, so none overlaps. The
    first row's baseline is at `top`; the metric charts lay theirs out the same way."""
    row_ends: list[float] = []
    placed = []
    for name, at in milestones.items():
        spot, time = x(at), at.astimezone(UTC).strftime("%H:%M")
        wide = CHAR_WIDTH * len(f"{name} {time}")
        anchor, left = "middle", spot - wide / 2
        if left < 2:
            anchor, left = "start", spot
        elif spot + wide / 2 > width - 2:
            anchor, left = "end", spot - wide
        row = next((i for i, end in enumerate(row_ends) if left > end + LABEL_GAP), None)
        if row is None:
            row_ends.append(float("-inf"))
            row = len(row_ends) - 1
        row_ends[row] = left + wide
        placed.append(Milestone(spot, name, time, top + LABEL_ROW * row, anchor))
    return tuple(placed)


def _marks(axis: _Axis, key_entries: Sequence[TimelineEntry], lane_top: float) -> tuple[Mark, ...]:
    """One mark per key event on the axis, in its source's lane, numbered as the report's
    table rows (a key event outside the axis keeps its number, and is in an edge's count);
    close neighbours are staggered."""
    lane_of = {source: i for i, (source, _) in enumerate(LANES)}
    last_x: dict[str, float] = {}
    flip: dict[str, int] = {}
    marks = []
    for number, entry in enumerate(key_entries, start=1):
        if not axis.holds(entry.occurred_at):
            continue
        x = axis.x(entry.occurred_at)
        centre = lane_top + LANE_HEIGHT * lane_of.get(entry.source, 0) + LANE_HEIGHT / 2
        crowded = x - last_x.get(entry.source, -100.0) < 14
        flip[entry.source] = (flip.get(entry.source, 0) + 1) % 2 if crowded else 0
        offset = (-9 if flip[entry.source] else 9) if crowded else 0
        last_x[entry.source] = x
        when = entry.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        marks.append(
            Mark(x, centre + offset, number, entry.source, f"{number}. {when}: {entry.text[:200]}")
        )
    return tuple(marks)


def _bars(axis: _Axis, entries: Sequence[TimelineEntry], top: float) -> tuple[Bar, ...]:
    counts = [0] * BINS
    for entry in entries:
        if not axis.holds(entry.occurred_at):
            continue
        share = (entry.occurred_at - axis.lo).total_seconds() / axis.seconds
        counts[min(BINS - 1, max(0, int(share * BINS)))] += 1
    tallest = max(counts) or 1
    width = (WIDTH - LEFT - RIGHT) / BINS
    bars = []
    for i, count in enumerate(counts):
        if count:
            height = round(max(2.0, (HISTOGRAM_HEIGHT - 6) * count / tallest), 1)
            x = round(LEFT + i * width, 1)
            bars.append(
                Bar(
                    x, round(top + HISTOGRAM_HEIGHT - height, 1), round(width - 1, 1), height, count
                )
            )
    return tuple(bars)


def time_ticks(lo: datetime, hi: datetime, x: Callable[[datetime], float]) -> tuple[Tick, ...]:
    """At most about ten ticks on whole minutes, hours or days between `lo` and `hi`,
    dated when the span passes 20 hours; the metric charts share them."""
    minutes = (hi - lo).total_seconds() / 60
    step = next((s for s in STEPS if minutes / s <= MAX_TICKS), STEPS[-1])
    first = lo.astimezone(UTC).replace(second=0, microsecond=0)
    since_midnight = first.hour * 60 + first.minute
    moment = first + timedelta(minutes=(-since_midnight) % step)
    dated = hi - lo > timedelta(hours=20)
    ticks = []
    while moment <= hi:
        label = moment.strftime("%m-%d %H:%M" if dated else "%H:%M")
        ticks.append(Tick(x(moment), label))
        moment += timedelta(minutes=step)
    return tuple(ticks)
