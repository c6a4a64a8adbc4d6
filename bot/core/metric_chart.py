"""A metric chart's geometry: where each line, tick, milestone and legend entry goes.

Drawn by `templates/metric_chart.html.j2` (inline SVG in the HTML report, the same SVG
rasterised to PNG for Slack) and summed up as a table (min / max / value at each
milestone) in the Markdown report. The time axis is the timeline chart's: the same
width and plot margins, the same tick steps, milestone labels laid out in rows the same
way so none collides (`bot.core.timeline_chart`). Values get "nice" ticks (1, 2, 5 × 10ⁿ)
with the query's unit.

A day of 15-second samples is 5,760 points a series, far more than the plot's ~820 pixel
columns can show; each series is cut down for drawing to its lowest and highest point
in each column (so a one-sample spike survives), at most two points a column. The
summary reads the full series. A sampling hole longer than a few steps breaks the line
rather than bridging it. A chart with nothing to draw says why in words.
Pure: standard library and other core modules.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from bot.core import milestones as clock
from bot.core.metrics import MetricChart, Point, Series
from bot.core.milestones import Milestones
from bot.core.timeline_chart import (
    CHAR_WIDTH,
    LABEL_ROW,
    LEFT,
    RIGHT,
    WIDTH,
    Milestone,
    Tick,
    milestone_labels,
    named_milestones,
    time_ticks,
)

TITLE_Y = 20
LABELS_TOP = 44
NOTE_ROOM = 18
# A longer unit is named in the title only, so tick labels stay within the left margin.
TICK_UNIT = 6
PLOT_HEIGHT = 220
# A chart with nothing to draw keeps its axis and milestones, in a strip that holds its words.
EMPTY_HEIGHT = 80
LEGEND_ROW = 20
SWATCH = 22
# Okabe & Ito's colour-blind-safe palette, without its yellow (too pale on white); after
# seven series the colours repeat dashed, then dotted.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000")
DASHES = ("", "7 4", "2 3")
# More series than this are not drawn (the highest are); the chart says how many were left out.
MAX_SERIES = 10
VALUE_TICKS = 5
LEGEND_LABEL = 60
# A hole longer than this many steps breaks the line.
GAP_STEPS = 3
# Units whose values are shares of one, shown as percentages (Grafana's "percentunit").
RATIOS = frozenset({"ratio", "percentunit"})
SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


@dataclass(frozen=True)
class ValueTick:
    y: float
    label: str


@dataclass(frozen=True)
class Line:
    """One series as an SVG path (`M x y L x y …`, a new `M` after a hole in the data)."""

    path: str
    colour: str
    dash: str
    label: str
    drawn: int  # points drawn, after cutting down to the plot's columns


@dataclass(frozen=True)
class LegendEntry:
    x: float
    y: float
    colour: str
    dash: str
    label: str


@dataclass(frozen=True)
class SummaryRow:
    label: str
    colour: str
    minimum: str
    maximum: str
    at_milestones: tuple[str, ...]


@dataclass(frozen=True)
class Geometry:
    title: str
    unit: str | None
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: float
    plot_bottom: float
    time_ticks: tuple[Tick, ...]
    value_ticks: tuple[ValueTick, ...]
    lines: tuple[Line, ...]
    milestones: tuple[Milestone, ...]
    legend: tuple[LegendEntry, ...]
    # Columns of the summary table: each milestone in the window ("detected 14:05").
    milestone_columns: tuple[str, ...]
    summary: tuple[SummaryRow, ...]
    # Why there is nothing to draw (shown in the plot), or what part of the window lacks data.
    notice: str | None
    left_out: int
    start: datetime
    end: datetime
    # The labels every series drawn shares, said once beside the title.
    shared: str = ""
    # The incident's window (impact started to resolved) as a band behind the lines.
    band_x: float | None = None
    band_width: float = 0.0

    @property
    def drawable(self) -> bool:
        return bool(self.lines)

    @property
    def window(self) -> str:
        """ "2026-11-24 13:30–14:30 UTC", the end dated too when it is another day."""
        end = "%m-%d %H:%M" if self.end.date() != self.start.date() else "%H:%M"
        return f"{self.start.strftime('%Y-%m-%d %H:%M')}–{self.end.strftime(end)} UTC"

    @property
    def caption(self) -> str:
        span = self.window
        more = f"; {self.left_out} more series not drawn" if self.left_out else ""
        return f"{self.title}{f' ({self.unit})' if self.unit else ''}, {span}{more}"


class _Axes:
    """Time to x over [start, end]; value to y over the nice range [lo, hi]."""

    def __init__(
        self,
        start: datetime,
        end: datetime,
        lo: float,
        hi: float,
        top: float,
        height: float = PLOT_HEIGHT,
    ) -> None:
        self.start, self.end = start, end
        self.seconds = max((end - start).total_seconds(), 1.0)
        self.lo, self.hi = lo, hi
        self.top, self.bottom, self.height = top, top + height, height

    def x(self, moment: datetime) -> float:
        share = (moment - self.start).total_seconds() / self.seconds
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: float) -> float:
        share = (value - self.lo) / (self.hi - self.lo)
        return round(self.bottom - share * self.height, 1)


def geometry(chart: MetricChart, milestones: Milestones | None = None) -> Geometry:
    """How `chart` is drawn, with the incident's milestones that fall in its window."""
    ranked = _ranked(chart.series)
    drawn = ranked[:MAX_SERIES]
    named = {
        name: at
        for name, at in (named_milestones(milestones) if milestones else {}).items()
        if chart.start <= at <= chart.end
    }
    lo, hi, step = value_range([p.value for s in drawn for p in s.points])
    said = notice(chart)
    # Under the title: a note on missing data (when something is drawn), then the labels.
    first = LABELS_TOP + (NOTE_ROOM if said and drawn else 0)
    labels = milestone_labels(named, _Axes(chart.start, chart.end, lo, hi, 0).x, top=first)
    rows = 1 + max((round((m.label_y - first) / LABEL_ROW) for m in labels), default=0)
    top = first + LABEL_ROW * (rows - 1) + (14 if labels else -14)
    axes = _Axes(chart.start, chart.end, lo, hi, top, PLOT_HEIGHT if drawn else EMPTY_HEIGHT)
    common = _common_labels(drawn)
    lines = tuple(_line(axes, s, i, chart.step, common) for i, s in enumerate(drawn))
    legend = _legend(lines, axes.bottom + 46)
    legend_bottom = max((entry.y for entry in legend), default=axes.bottom + 26)
    return Geometry(
        title=chart.query.name,
        unit="%" if chart.query.unit in RATIOS else chart.query.unit,
        width=WIDTH,
        height=int(legend_bottom + (34 if len(drawn) < len(ranked) else 16)),
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=axes.top,
        plot_bottom=axes.bottom,
        time_ticks=time_ticks(chart.start, chart.end, axes.x),
        value_ticks=_value_ticks(axes, step, chart.query.unit) if drawn else (),
        lines=lines,
        milestones=labels,
        legend=legend,
        milestone_columns=tuple(f"{name} {_hm(at)}" for name, at in named.items()),
        summary=tuple(
            _row(s, line, named, chart.step, chart.query.unit)
            for s, line in zip(drawn, lines, strict=True)
        ),
        notice=said,
        left_out=len(ranked) - len(drawn),
        shared=", ".join(f'{k}="{v}"' for k, v in common.items()),
        **_band(axes, milestones),
        start=chart.start,
        end=chart.end,
    )


def notice(chart: MetricChart) -> str | None:
    """What a reader must know about the data: why nothing is drawn, or what is lacking."""
    if chart.drawable:
        return chart.missing
    reason = chart.missing or "Prometheus returned no data for this query in the window"
    return f"Nothing to draw: {reason}."


def value_range(values: Sequence[float]) -> tuple[float, float, float]:
    """(lo, hi, step) of nice ticks that hold every value; from zero when the data is
    non-negative and zero is not far below it, so a rate does not look like a cliff."""
    if not values:
        return 0.0, 1.0, 0.2
    lo, hi = min(values), max(values)
    if lo >= 0 and (lo <= hi / 2 or lo == hi):
        lo = 0.0
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = (lo - pad if lo != 0 else 0.0), hi + pad
    step = nice_step((hi - lo) / VALUE_TICKS)
    low, high = math.floor(lo / step) * step, math.ceil(hi / step) * step
    return round(low, 12), round(high, 12), step


def nice_step(raw: float) -> float:
    """The 1, 2 or 5 × 10ⁿ at or just above `raw`."""
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power * (1 + 1e-9):
            return factor * power
    return 10 * power


def readable(value: float, unit: str | None = None, *, step: float | None = None) -> str:
    """A value as a reader takes it in: "1.25k req/s", "0.5 s", "12%" (also for a "ratio"
    of 0.12). With `step` (a tick's) as many decimals as the step needs; without, three
    significant digits."""
    if unit in RATIOS:  # 0.09 of one reads 9%
        value, unit, step = value * 100, "%", None if step is None else step * 100
    size, suffix = next(((n, name) for n, name in SI if abs(step or value) >= n), (1.0, ""))
    if value == 0:  # the axis' zero reads "0", not "0k" or "0.0"
        size, suffix, step = 1.0, "", None
    scaled = value / size
    if step is not None:
        decimals = min(6, max(0, -math.floor(math.log10(step / size) + 1e-9)))
        number = f"{scaled:.{decimals}f}"
    else:
        number = f"{scaled:.3g}" if abs(scaled) >= 1e-3 or scaled == 0 else f"{scaled:.2e}"
    if number.startswith("-") and float(number) == 0:
        number = number[1:]
    if not unit:
        return number + suffix
    return f"{number}{suffix}%" if unit == "%" else f"{number}{suffix} {unit}"


def downsample(
    points: Sequence[Point], start: datetime, end: datetime, columns: int
) -> list[Point]:
    """At most two points a pixel column: each column's lowest and highest, in time order.
    A series that already fits is left whole."""
    if len(points) <= 2 * columns:
        return list(points)
    seconds = max((end - start).total_seconds(), 1.0)
    kept: list[Point] = []
    bucket: list[Point] = []
    current = None
    for point in points:
        column = min(
            columns - 1, max(0, int((point.at - start).total_seconds() / seconds * columns))
        )
        if column != current and bucket:
            kept.extend(_extremes(bucket))
            bucket = []
        current = column
        bucket.append(point)
    kept.extend(_extremes(bucket))
    return kept


def value_at(points: Sequence[Point], moment: datetime, step: timedelta) -> float | None:
    """The last sample at or before `moment`, if it is recent (within a few steps)."""
    times = [p.at for p in points]
    index = bisect_right(times, moment) - 1
    if index < 0 or moment - points[index].at > step * GAP_STEPS:
        return None
    return points[index].value


def explore_url(base: str, chart: MetricChart) -> str:
    """Grafana Explore on the chart's query over its window (the default data source)."""
    pane = {
        "queries": [{"refId": "A", "expr": chart.query.expr}],
        "range": {
            "from": str(int(chart.start.timestamp() * 1000)),
            "to": str(int(chart.end.timestamp() * 1000)),
        },
    }
    panes = json.dumps({"pm": pane}, separators=(",", ":"))
    return f"{base.rstrip('/')}/explore?schemaVersion=1&orgId=1&panes={quote(panes, safe='')}"


# -- pieces -------------------------------------------------------------------------


def _band(axes: _Axes, milestones: Milestones | None) -> dict[str, float]:
    """Where the incident ran, clipped to the chart; nothing while either end is unknown."""
    began, resolved = clock.window(milestones) if milestones else (None, None)
    if began is None or resolved is None or resolved <= axes.start or began >= axes.end:
        return {}
    left, right = axes.x(max(began, axes.start)), axes.x(min(resolved, axes.end))
    return {"band_x": left, "band_width": round(right - left, 1)}


def _ranked(series: Sequence[Series]) -> list[Series]:
    """Series with data, the highest peak first: those are drawn when there are too many."""
    with_data = [s for s in series if s.points]
    return sorted(with_data, key=lambda s: (-max(p.value for p in s.points), s.label))


def _common_labels(drawn: Sequence[Series]) -> dict[str, str]:
    """Labels every drawn series shares (service="checkout"): said once, not in each entry."""
    if len(drawn) < 2:
        return {}
    sets = [dict(s.labels) for s in drawn]
    shared = {k: v for k, v in sets[0].items() if k != "__name__"}
    return {k: v for k, v in shared.items() if all(other.get(k) == v for other in sets[1:])}


def _label(series: Series, common: dict[str, str]) -> str:
    """The series' legend name: what sets it apart from the others."""
    own = tuple((k, v) for k, v in series.labels if common.get(k) != v)
    if common and any(k != "__name__" for k, _ in own):
        return Series(own, ()).label
    return series.label


def _extremes(bucket: list[Point]) -> list[Point]:
    low = min(bucket, key=lambda p: p.value)
    high = max(bucket, key=lambda p: p.value)
    return [low] if low is high else sorted((low, high), key=lambda p: p.at)


def _line(axes: _Axes, series: Series, index: int, step: timedelta, common: dict[str, str]) -> Line:
    columns = int(WIDTH - LEFT - RIGHT)
    points = downsample(series.points, axes.start, axes.end, columns)
    hole = step * GAP_STEPS
    parts: list[str] = []
    previous: Point | None = None
    for point in points:
        verb = "M" if previous is None or point.at - previous.at > hole else "L"
        parts.append(f"{verb}{axes.x(point.at)} {axes.y(point.value)}")
        previous = point
    colour = PALETTE[index % len(PALETTE)]
    dash = DASHES[(index // len(PALETTE)) % len(DASHES)]
    label = _label(series, common)
    return Line(" ".join(parts), colour, dash, _short(label), len(points))


def _legend(lines: Sequence[Line], top: float) -> tuple[LegendEntry, ...]:
    """Entries left to right, wrapping at the plot's right edge."""
    x, y = float(LEFT), top
    entries = []
    for line in lines:
        width = SWATCH + 6 + CHAR_WIDTH * len(line.label) + 18
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, y = float(LEFT), y + LEGEND_ROW
        entries.append(LegendEntry(round(x, 1), y, line.colour, line.dash, line.label))
        x += width
    return tuple(entries)


def _value_ticks(axes: _Axes, step: float, unit: str | None) -> tuple[ValueTick, ...]:
    count = round((axes.hi - axes.lo) / step)
    unit = unit if unit and len(unit) <= TICK_UNIT else None
    return tuple(
        ValueTick(axes.y(axes.lo + i * step), readable(axes.lo + i * step, unit, step=step))
        for i in range(count + 1)
    )


def _row(
    series: Series, line: Line, named: dict[str, datetime], step: timedelta, unit: str | None
) -> SummaryRow:
    values = [p.value for p in series.points]
    at = (value_at(series.points, moment, step) for moment in named.values())
    return SummaryRow(
        label=line.label,
        colour=line.colour,
        minimum=readable(min(values), unit),
        maximum=readable(max(values), unit),
        at_milestones=tuple("no data" if v is None else readable(v, unit) for v in at),
    )


def _short(label: str) -> str:
    return label if len(label) <= LEGEND_LABEL else label[: LEGEND_LABEL - 1] + "…"


def _hm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")
