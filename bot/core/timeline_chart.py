"""The timeline as a chart: where each mark goes on a time axis, for an inline SVG.

Geometry only; `templates/report.html.j2` draws it. The chart has the incident's
phases (detect, acknowledge, mitigate, resolve) as bands between its milestones,
the key events as numbered marks in one lane per source (the numbers are the rows
of the report's timeline table), and every event, key or not, as an activity
histogram along the axis. Pure: standard library and other core modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

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
LABEL_ROWS = (14.0, 30.0)
PHASE_TOP, PHASE_HEIGHT = 40, 26
LANE_TOP, LANE_HEIGHT = 78, 40
# Rough width of a character of the chart's 12px labels, to keep labels apart.
CHAR_WIDTH = 6.6
HISTOGRAM_HEIGHT = 44
BINS = 96
NUMBERED_MARKS = 60
LANES = (("pagerduty", "PagerDuty"), ("slack", "Slack"), ("manual", "Manual"))
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
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    phase_top: int
    phase_height: int
    lane_top: int
    axis_y: float
    histogram_y: float
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]
    phases: tuple[Phase, ...]
    milestones: tuple[Milestone, ...]
    marks: tuple[Mark, ...]
    bars: tuple[Bar, ...]
    numbered: bool


class _Axis:
    """Time to x, over [lo, hi] with a little room at both ends."""

    def __init__(self, lo: datetime, hi: datetime) -> None:
        span = max(hi - lo, timedelta(minutes=1))
        self.lo, self.hi = lo - span * 0.02, hi + span * 0.02
        self.seconds = (self.hi - self.lo).total_seconds()

    def x(self, moment: datetime) -> float:
        share = (moment - self.lo).total_seconds() / self.seconds
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)


def chart(
    entries: Sequence[TimelineEntry],
    key_entries: Sequence[TimelineEntry],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Chart | None:
    """The chart of a timeline; None when it has no events to place."""
    times = [e.occurred_at for e in entries] + [t for t in (start, end) if t is not None]
    if not entries:
        return None
    axis = _Axis(min(times), max(times))
    histogram_y = LANE_TOP + LANE_HEIGHT * len(LANES) + 8
    axis_y = histogram_y + HISTOGRAM_HEIGHT
    milestones = _milestones(entries)
    return Chart(
        width=WIDTH,
        height=int(axis_y + 34),
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        phase_top=PHASE_TOP,
        phase_height=PHASE_HEIGHT,
        lane_top=LANE_TOP,
        axis_y=axis_y,
        histogram_y=histogram_y,
        lanes=tuple(
            Lane(LANE_TOP + LANE_HEIGHT * i + LANE_HEIGHT / 2, label)
            for i, (_, label) in enumerate(LANES)
        ),
        ticks=_ticks(axis),
        phases=_phases(axis, milestones, start),
        milestones=_labelled(axis, milestones),
        marks=_marks(axis, key_entries),
        bars=_bars(axis, entries, histogram_y),
        numbered=len(key_entries) <= NUMBERED_MARKS,
    )


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
    points = [("start", start)] if start is not None else []
    points += list(milestones.items())
    labels = {
        "triggered": "Detect",
        "acknowledged": "Acknowledge",
        "mitigated": "Mitigate",
        "resolved": "Resolve",
    }
    phases = []
    for (_, begin), (name, finish) in pairwise(points):
        if begin is None or finish <= begin:
            continue
        x0, x1 = axis.x(begin), axis.x(finish)
        phases.append(Phase(x0, round(x1 - x0, 1), labels[name], labels[name].lower()))
    return tuple(phases)


def _labelled(axis: _Axis, milestones: dict[str, datetime]) -> tuple[Milestone, ...]:
    """Milestone lines with their labels in the first row where they do not overlap."""
    row_ends = [float("-inf")] * len(LABEL_ROWS)
    placed = []
    for name, at in milestones.items():
        x, time = axis.x(at), at.astimezone(UTC).strftime("%H:%M")
        width = CHAR_WIDTH * len(f"{name} {time}")
        anchor, left = "middle", x - width / 2
        if left < LEFT:
            anchor, left = "start", x
        elif x + width / 2 > WIDTH - 2:
            anchor, left = "end", x - width
        row = next((i for i, end in enumerate(row_ends) if left > end + 6), len(LABEL_ROWS) - 1)
        row_ends[row] = left + width
        placed.append(Milestone(x, name, time, LABEL_ROWS[row], anchor))
    return tuple(placed)


def _marks(axis: _Axis, key_entries: Sequence[TimelineEntry]) -> tuple[Mark, ...]:
    """One mark per key event, in its source's lane; close neighbours are staggered."""
    lane_of = {source: i for i, (source, _) in enumerate(LANES)}
    last_x: dict[str, float] = {}
    flip: dict[str, int] = {}
    marks = []
    for number, entry in enumerate(key_entries, start=1):
        x = axis.x(entry.occurred_at)
        centre = LANE_TOP + LANE_HEIGHT * lane_of.get(entry.source, 0) + LANE_HEIGHT / 2
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


def _ticks(axis: _Axis) -> tuple[Tick, ...]:
    minutes = axis.seconds / 60
    step = next((s for s in STEPS if minutes / s <= MAX_TICKS), STEPS[-1])
    first = axis.lo.astimezone(UTC).replace(second=0, microsecond=0)
    since_midnight = first.hour * 60 + first.minute
    moment = first + timedelta(minutes=(-since_midnight) % step)
    dated = axis.hi - axis.lo > timedelta(hours=20)
    ticks = []
    while moment <= axis.hi:
        label = moment.strftime("%m-%d %H:%M" if dated else "%H:%M")
        ticks.append(Tick(axis.x(moment), label))
        moment += timedelta(minutes=step)
    return tuple(ticks)
