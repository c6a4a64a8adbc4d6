"""Fetch the incident's metrics and ALERTS history from Prometheus, and keep them.

Run when the report is rendered (publish) and when `/postmortem timeline` is asked:
each configured chart over the incident window (`bot.services.metrics.plan`) through
`query_range`, and `ALERTS{alertstate="firing"}` for the alerts' firing and resolved
lines. Whatever fails becomes a data gap in words; nothing here raises for Prometheus,
so a report publishes with Prometheus down. HTTP only between transactions.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.metrics import MetricChart, Query
from bot.core.timeline import Gap, GapKind, TimelineEntry, format_utc_minute
from bot.flows import incident_access
from bot.flows.deps import Deps
from bot.prometheus import alerts, queries
from bot.prometheus.client import PrometheusClient
from bot.prometheus.errors import PrometheusError, PrometheusUnavailable, QueryFailed
from bot.services import metrics
from bot.services.metrics import Fetched, Gathered, Plan

logger = logging.getLogger(__name__)
NO_DATA = "no data in the window"
ALERTS_WHERE = "ALERTS (the alerts' history)"
UNNAMED = "with several workspaces it is read only for a named service: /postmortem service NAME"
MONITORING_WHERE = "monitoring data (metrics and alerts)"
UNNARROWED = (
    "with several workspaces a chart is read only when its `labels` narrow it to the "
    "service (`{service}`), as PROMETHEUS_QUERIES says"
)


def refresh(deps: Deps, postmortem_id: int) -> Gathered | None:
    """Fetch and keep the post-mortem's metrics; None when there was nothing to do (no
    window yet, or no metrics configured at all)."""
    client = deps.clients.prometheus
    if client is None and deps.settings.prometheus_queries is None:
        return None  # this deployment charts no metrics
    now = deps.clock()
    single = incident_access.single_workspace(deps)
    with deps.sessions() as session:
        planned = metrics.plan(session, postmortem_id, now=now, single_workspace=single)
    if planned is None:
        return None
    if planned.refused is not None:
        gathered = refused(planned)
    elif client is None:
        gathered = Gathered(planned, gaps=(Gap(GapKind.PROMETHEUS_NOT_CONFIGURED),))
    else:
        gathered = gather(client, planned, now=now, single_workspace=single)
    with deps.sessions.begin() as session:
        metrics.record(session, gathered, now=now)
    return gathered


def refused(plan: Plan) -> Gathered:
    """Nothing read for a post-mortem whose workspace may not see its service's data: no
    chart, no ALERTS line (those kept before are dropped), and one gap that says why."""
    gap = Gap(GapKind.METRIC_QUERY_FAILED, where=MONITORING_WHERE, reason=plan.refused)
    return Gathered(plan, charts=(), alerts=(), gaps=(gap,))


def gather(
    client: PrometheusClient, plan: Plan, *, now: datetime, single_workspace: bool = True
) -> Gathered:
    """Every chart and the ALERTS lines over the plan's window; Prometheus down is one gap.
    With several workspaces (`single_workspace` False) a post-mortem that names no service
    reads no ALERTS, as it takes no Alertmanager alert (`bot.alertmanager.matching`): the
    organisation's alerts are not shown to whichever workspace asks first; nor a chart
    whose labels do not narrow it to the service (`{service}`)."""
    if plan.refused is not None:
        return refused(plan)
    catalog = client.queries
    try:
        short = _retention_gap(client, plan, now)
        alert_lines, alert_gap = _alerts(client, plan, single_workspace=single_workspace)
        charts = tuple(
            _chart(client, query, plan)
            if single_workspace or _narrows(query)
            else Fetched(_empty(query, plan, UNNARROWED), GapKind.METRIC_QUERY_FAILED)
            for query in catalog.queries
        )
    except PrometheusUnavailable as error:
        logger.warning("prometheus unreachable postmortem=%s error=%s", plan.postmortem_id, error)
        down = Gap(GapKind.PROMETHEUS_UNREACHABLE, reason=str(error))
        missing = f"Prometheus unreachable: {error}"
        unreached = tuple(Fetched(_empty(query, plan, missing)) for query in catalog.queries)
        return Gathered(plan, charts=unreached, alerts=None, gaps=(down,))
    found = tuple(gap for gap in (short, alert_gap) if gap is not None)
    return Gathered(plan, charts=charts, alerts=alert_lines, gaps=found)


def _chart(client: PrometheusClient, query: Query, plan: Plan) -> Fetched:
    wanted = queries.selector(query.labels, plan.service)
    try:
        answered = client.query_range(query.expr, plan.start, plan.end, plan.step)
    except QueryFailed as error:
        return Fetched(
            _empty(query, plan, f"the query failed: {error}"), GapKind.METRIC_QUERY_FAILED
        )
    except PrometheusUnavailable:
        raise
    except PrometheusError as error:
        return Fetched(_empty(query, plan, str(error)), GapKind.METRIC_QUERY_FAILED)
    series = queries.keep(answered, wanted)
    chart = MetricChart(query, plan.start, plan.end, plan.step, series=series)
    if chart.drawable:
        return Fetched(chart)
    return Fetched(
        replace(chart, missing=NO_DATA + _narrowed_words(wanted)), GapKind.METRIC_NO_DATA
    )


def _alerts(
    client: PrometheusClient, plan: Plan, *, single_workspace: bool
) -> tuple[tuple[TimelineEntry, ...] | None, Gap | None]:
    if plan.service is None and not single_workspace:
        return (), Gap(GapKind.METRIC_QUERY_FAILED, where=ALERTS_WHERE, reason=UNNAMED)
    expr = queries.alerts_expr(client.queries, plan.service)
    try:
        answered = client.query_range(expr, plan.start, plan.end, plan.step)
    except PrometheusUnavailable:
        raise
    except PrometheusError as error:
        return None, Gap(
            GapKind.METRIC_QUERY_FAILED, where=ALERTS_WHERE, reason=f"the query failed: {error}"
        )
    lines = alerts.transitions(answered, start=plan.start, end=plan.end, step=plan.step)
    return lines, None


def _retention_gap(client: PrometheusClient, plan: Plan, now: datetime) -> Gap | None:
    try:
        kept = client.retention()
    except PrometheusUnavailable:
        raise
    except PrometheusError:
        return None  # an older Prometheus, or one that does not say: the queries will tell
    if kept is None or now - kept <= plan.start:
        return None
    since = format_utc_minute(now - kept)
    reason = (
        f"{_days(kept)}: nothing before {since}, and the window starts "
        f"{format_utc_minute(plan.start)}"
    )
    return Gap(GapKind.METRIC_RETENTION_SHORT, reason=reason)


def _empty(query: Query, plan: Plan, missing: str) -> MetricChart:
    return MetricChart(query, plan.start, plan.end, plan.step, missing=missing)


def _narrows(query: Query) -> bool:
    """Whether the chart's labels keep only the post-mortem's service's series."""
    return any(queries.PLACEHOLDER in value for value in query.labels.values())


def _narrowed_words(wanted: dict[str, str]) -> str:
    return " for " + ", ".join(f'{k}="{v}"' for k, v in wanted.items()) if wanted else ""


def _days(kept: timedelta) -> str:
    """How long Prometheus keeps its samples, as people say it: "15 days", "1 day"."""
    if kept >= timedelta(days=1):
        amount, unit = kept / timedelta(days=1), "day"
    else:
        amount, unit = kept / timedelta(hours=1), "hour"
    return f"{amount:g} {unit}" + ("" if amount == 1 else "s")
