"""The incident's metrics as the report keeps them: which window to chart, what a fetch
brought back (stored, so the report reads the same once Prometheus has forgotten), the
ALERTS transitions on the timeline, and the metrics gaps among the report's data gaps.

`bot.flows.metrics` asks Prometheus between two transactions of this module: `plan`
(read) before, `record` (write) after, so no HTTP call waits inside a transaction.
`charts_for` is what the report draws.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.core.metrics import MetricChart, Point, Query, Series, aligned, step_for, window_around
from bot.core.milestones import window
from bot.core.timeline import METRICS_GAPS, Gap, GapKind, TimelineEntry, format_utc_minute
from bot.prometheus.alerts import PREFIX as ALERTS_PREFIX
from bot.services import milestones, monitoring_services, postmortems
from bot.services.timeline_rows import to_row
from storage.models import MetricSnapshot, Postmortem, TimelineGap
from storage.repositories import gaps, metric_snapshots, timeline

SCOPE = "prometheus"


@dataclass(frozen=True)
class Plan:
    """What to ask Prometheus for one post-mortem: its service and the charted window.
    `refused` says why its workspace may read no monitoring data (OAuth mode, its service
    not mapped to it: `bot.services.monitoring_services`); None when it may."""

    postmortem_id: int
    service: str | None
    start: datetime
    end: datetime
    step: timedelta
    refused: str | None = None


@dataclass(frozen=True)
class Fetched:
    """One chart as a fetch found it; `problem` is its data gap, if any."""

    chart: MetricChart
    problem: GapKind | None = None


@dataclass(frozen=True)
class Gathered:
    """A whole fetch: the charts, the ALERTS lines (None: not read), and the gaps that
    concern Prometheus as a whole (not configured, unreachable, retention too short)."""

    plan: Plan
    charts: tuple[Fetched, ...] = ()
    alerts: tuple[TimelineEntry, ...] | None = None
    gaps: tuple[Gap, ...] = ()


def plan(
    session: Session, postmortem_id: int, *, now: datetime, single_workspace: bool = True
) -> Plan | None:
    """The window from the milestones (impact started to resolved) with a margin; while
    they are not known, the timeline's span. None when there is nothing to chart yet."""
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    refused = None
    if not monitoring_services.may_see(
        session, postmortem.team_id, postmortem.service, single_workspace=single_workspace
    ):
        refused = monitoring_services.refusal(session, postmortem.team_id, postmortem.service)
    began, resolved = window(milestones.current(session, postmortem))
    first, last = metric_snapshots.timeline_span(
        session, postmortem_id, leaving_out=f"{ALERTS_PREFIX}:"
    )
    start = began or first
    end = resolved or (max(last, start) if last and start else None) or now
    if start is None:
        return None
    low, high = window_around(start, max(end, start), now=now)
    step = step_for(low, high)
    low, high = aligned(low, high, step)
    return Plan(postmortem_id, postmortem.service, low, high, step, refused)


def record(session: Session, gathered: Gathered, *, now: datetime) -> None:
    """Keep what a fetch found. A kept chart with data is not replaced by one that came
    back empty (Prometheus down, or past its retention), nor by any while Prometheus has
    forgotten the window's start: the report keeps the chart fetched while it was whole."""
    postmortem = postmortems.get_or_raise(session, gathered.plan.postmortem_id)
    kept = {row.name: row for row in metric_snapshots.list_for(session, postmortem.id)}
    metric_snapshots.clear_gaps(session, postmortem.id, [kind.value for kind in METRICS_GAPS])
    forgotten = any(gap.kind == GapKind.METRIC_RETENTION_SHORT for gap in gathered.gaps)
    kept_from: list[datetime] = []
    for position, fetched in enumerate(gathered.charts):
        chart, old = fetched.chart, kept.get(fetched.chart.query.name)
        if old is not None and (forgotten or not chart.drawable) and _has_points(old):
            kept_from.append(old.fetched_at)
            continue
        metric_snapshots.save(session, _values(postmortem, position, fetched, now))
        if fetched.problem is not None:
            gap = Gap(fetched.problem, where=chart.query.name, reason=chart.missing)
            _state(session, postmortem, gap, f"{SCOPE}:{chart.query.name}")
    all_kept = bool(gathered.charts) and len(kept_from) == len(gathered.charts)
    for gap in gathered.gaps:
        if gap.kind == GapKind.METRIC_RETENTION_SHORT and all_kept:
            continue  # every chart was fetched while Prometheus still had the window
        if gap.kind == GapKind.PROMETHEUS_UNREACHABLE and kept_from:
            gap = replace(gap, where=format_utc_minute(min(kept_from)))
        _state(session, postmortem, gap, SCOPE)
    if gathered.charts or not gathered.gaps or gathered.plan.refused:
        metric_snapshots.drop_others(
            session, postmortem.id, [f.chart.query.name for f in gathered.charts]
        )
    if gathered.alerts is not None and not forgotten:
        # What Prometheus says now replaces what it said before (the service named since).
        keys = [entry.source_key for entry in gathered.alerts]
        metric_snapshots.drop_alert_lines_but(session, postmortem.id, ALERTS_PREFIX, keys)
    if gathered.alerts:
        timeline.add_all_unless_exist(session, [to_row(e, postmortem) for e in gathered.alerts])


def charts_for(session: Session, postmortem_id: int) -> tuple[MetricChart, ...]:
    """The post-mortem's charts as last fetched, in PROMETHEUS_QUERIES' order."""
    return tuple(_chart(row) for row in metric_snapshots.list_for(session, postmortem_id))


def _state(session: Session, postmortem: Postmortem, gap: Gap, scope: str) -> None:
    gaps.record(
        session,
        TimelineGap(
            team_id=postmortem.team_id,
            postmortem_id=postmortem.id,
            kind=gap.kind.value,
            scope=scope,
            location=gap.where,
            reason=gap.reason,
        ),
    )


def _values(postmortem: Postmortem, position: int, fetched: Fetched, now: datetime) -> dict:
    chart = fetched.chart
    return {
        "team_id": postmortem.team_id,
        "postmortem_id": postmortem.id,
        "position": position,
        "name": chart.query.name,
        "expr": chart.query.expr,
        "unit": chart.query.unit,
        "window_start": chart.start,
        "window_end": chart.end,
        "step_seconds": int(chart.step.total_seconds()),
        "series": dump_series(chart.series),
        "missing": chart.missing,
        "problem": fetched.problem.value if fetched.problem else None,
        "fetched_at": now,
    }


def dump_series(series: Sequence[Series]) -> str:
    """Series as compact JSON, flat arrays per series (ten times quicker to read back than
    a list per point): labels as pairs, `t0` the first point's unix milliseconds, `dt`
    each point's milliseconds after it, `v` the values."""
    return json.dumps([_dumped(one) for one in series], separators=(",", ":"))


def _dumped(one: Series) -> dict[str, Any]:
    millis = [round(point.at.timestamp() * 1000) for point in one.points]
    first = millis[0] if millis else 0
    return {
        "labels": [list(pair) for pair in one.labels],
        "t0": first,
        "dt": [at - first for at in millis],
        "v": [point.value for point in one.points],
    }


def load_series(text: str) -> tuple[Series, ...]:
    return tuple(_loaded(raw) for raw in json.loads(text))


def _loaded(raw: dict[str, Any]) -> Series:
    first = raw["t0"]
    points = tuple(
        Point(datetime.fromtimestamp((first + offset) / 1000, tz=UTC), float(value))
        for offset, value in zip(raw["dt"], raw["v"], strict=True)
    )
    return Series(labels=tuple((str(k), str(v)) for k, v in raw["labels"]), points=points)


def _has_points(row: MetricSnapshot) -> bool:
    return any(series.points for series in load_series(row.series))


def _chart(row: MetricSnapshot) -> MetricChart:
    return MetricChart(
        query=Query(name=row.name, expr=row.expr, unit=row.unit),
        start=row.window_start,
        end=row.window_end,
        step=timedelta(seconds=row.step_seconds),
        series=load_series(row.series),
        missing=row.missing,
    )
