"""The incident's metrics as kept, on SQLite and PostgreSQL: a fetch's charts read back
the same, a later empty fetch (Prometheus down, or past its retention) keeps the chart
that had data, each fetch states the metrics gaps afresh in the timeline's data gaps,
ALERTS lines are filed once, and the charted window follows the timeline until the
milestones say otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.core.metrics import MetricChart, Point, Query, Series
from bot.core.milestones import Name
from bot.core.timeline import ALERT_FIRING, Gap, GapKind, TimelineEntry
from bot.flows.metrics import gather
from bot.prometheus.client import PrometheusClient
from bot.prometheus.queries import Catalog
from bot.services import metrics, milestones
from bot.services import timeline as timeline_service
from bot.services.metrics import Fetched, Gathered, Plan
from storage.models import FactorEvidence, Postmortem, TimelineEvent
from storage.repositories import timeline, workspaces

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 24, 13, 20, tzinfo=UTC)
END = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
STEP = timedelta(seconds=15)
ERRORS = Query("Checkout error ratio", "http_requests_errors_ratio", unit="ratio")


def _postmortem(sessions: sessionmaker[Session], team: str = "T0ACME") -> int:
    with sessions.begin() as session:
        workspaces.ensure(session, team)
        postmortem = Postmortem(
            team_id=team,
            channel_id="C0INC",
            title="Checkout 500s",
            lead_user_id="U0A",
            created_by="U0A",
        )
        session.add(postmortem)
        session.flush()
        return postmortem.id


def _plan(postmortem_id: int) -> Plan:
    return Plan(postmortem_id, "checkout", START, END, STEP)


def _chart(*values: float, missing: str | None = None) -> MetricChart:
    points = tuple(Point(START + i * STEP, v) for i, v in enumerate(values))
    series = (Series((("service", "checkout"),), points),) if values else ()
    return MetricChart(ERRORS, START, END, STEP, series=series, missing=missing)


def _record(sessions: sessionmaker[Session], gathered: Gathered) -> None:
    with sessions.begin() as session:
        metrics.record(session, gathered, now=NOW)


def _charts(sessions: sessionmaker[Session], postmortem_id: int) -> tuple[MetricChart, ...]:
    with sessions() as session:
        return metrics.charts_for(session, postmortem_id)


def _gaps(sessions: sessionmaker[Session], postmortem_id: int) -> list[Gap]:
    with sessions() as session:
        return list(timeline_service.view(session, postmortem_id).gaps)


def test_a_fetched_chart_reads_back_the_same_and_a_new_fetch_replaces_it(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    _record(sessions, Gathered(_plan(postmortem_id), charts=(Fetched(_chart(0.01, 0.2, 0.25)),)))

    (kept,) = _charts(sessions, postmortem_id)
    assert kept == _chart(0.01, 0.2, 0.25)

    _record(sessions, Gathered(_plan(postmortem_id), charts=(Fetched(_chart(0.5)),)))
    (kept,) = _charts(sessions, postmortem_id)
    assert [p.value for p in kept.series[0].points] == [0.5]


def test_prometheus_down_later_keeps_the_chart_and_states_the_gap_once(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    _record(sessions, Gathered(_plan(postmortem_id), charts=(Fetched(_chart(0.01, 0.2)),)))

    down = Gap(GapKind.PROMETHEUS_UNREACHABLE, reason="Prometheus at http://p:9090 did not answer")
    unreached = Fetched(_chart(missing="Prometheus unreachable"))
    _record(sessions, Gathered(_plan(postmortem_id), charts=(unreached,), gaps=(down,)))
    _record(sessions, Gathered(_plan(postmortem_id), charts=(unreached,), gaps=(down,)))

    (kept,) = _charts(sessions, postmortem_id)
    assert kept.drawable and kept.missing is None
    said = [gap.describe() for gap in _gaps(sessions, postmortem_id) if gap.kind == down.kind]
    assert said == [
        "Prometheus could not be reached (Prometheus at http://p:9090 did not answer): the "
        "charts are as fetched 2026-12-01 12:00 UTC, and alerts since then are not in the timeline."
    ]


def test_prometheus_down_before_any_fetch_says_the_metrics_are_not_in_the_report(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    down = Gap(GapKind.PROMETHEUS_UNREACHABLE, reason="HTTP 503")
    unreached = Fetched(_chart(missing="Prometheus unreachable"))
    _record(sessions, Gathered(_plan(postmortem_id), charts=(unreached,), gaps=(down,)))
    (gap,) = [g for g in _gaps(sessions, postmortem_id) if g.kind == down.kind]
    assert gap.describe().endswith(
        "the incident's metrics and the alerts' history are not in the report."
    )
    assert _charts(sessions, postmortem_id)[0].missing == "Prometheus unreachable"


def test_past_its_retention_the_chart_fetched_while_whole_stays_and_no_gap_is_stated(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    _record(sessions, Gathered(_plan(postmortem_id), charts=(Fetched(_chart(0.01, 0.2, 0.3)),)))

    short = Gap(GapKind.METRIC_RETENTION_SHORT, reason="1 day: nothing before …")
    tail_only = Fetched(_chart(0.3))  # what is left of the window: its end
    _record(sessions, Gathered(_plan(postmortem_id), charts=(tail_only,), gaps=(short,)))

    (kept,) = _charts(sessions, postmortem_id)
    assert [p.value for p in kept.series[0].points] == [0.01, 0.2, 0.3]
    assert not [g for g in _gaps(sessions, postmortem_id) if g.kind == short.kind]


def test_an_empty_chart_is_a_named_gap_until_a_fetch_finds_data(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    empty = Fetched(
        _chart(missing='no data in the window for service="checkout"'), GapKind.METRIC_NO_DATA
    )
    _record(sessions, Gathered(_plan(postmortem_id), charts=(empty,)))

    (gap,) = [g for g in _gaps(sessions, postmortem_id) if g.kind == GapKind.METRIC_NO_DATA]
    assert gap.describe() == (
        "The chart “Checkout error ratio” is empty: Prometheus answered "
        'no data in the window for service="checkout".'
    )
    assert _charts(sessions, postmortem_id)[0].missing is not None

    _record(sessions, Gathered(_plan(postmortem_id), charts=(Fetched(_chart(0.2)),)))
    assert not [g for g in _gaps(sessions, postmortem_id) if g.kind == GapKind.METRIC_NO_DATA]


def test_alert_lines_are_filed_once_however_often_they_are_fetched(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    firing = TimelineEntry(
        occurred_at=datetime(2026, 11, 24, 13, 55, tzinfo=UTC),
        source="monitoring",
        source_key="prom:CheckoutErrorRate:0123456789ab:1764078900",
        text="Alert CheckoutErrorRate firing",
        actor='CheckoutErrorRate {service="checkout"}',
        kind=ALERT_FIRING,
    )
    for _ in range(2):
        _record(sessions, Gathered(_plan(postmortem_id), alerts=(firing,)))
    with sessions() as session:
        rows = timeline.list_for(session, postmortem_id)
    assert [(row.kind, row.source_key) for row in rows] == [(ALERT_FIRING, firing.source_key)]


def _firing(name: str, minute: int) -> TimelineEntry:
    return TimelineEntry(
        occurred_at=datetime(2026, 11, 24, 14, minute, tzinfo=UTC),
        source="monitoring",
        source_key=f"prom:{name}:0123456789ab:{1764078900 + 60 * minute}",
        text=f"Alert {name} firing",
        actor=name,
        kind=ALERT_FIRING,
    )


def test_naming_the_service_later_drops_the_other_services_alerts_but_cited_ones(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    checkout, search, cited = (
        _firing("CheckoutErrors", 1),
        _firing("SearchSlow", 2),
        _firing("DiskFull", 3),
    )
    _record(sessions, Gathered(_plan(postmortem_id), alerts=(checkout, search, cited)))
    with sessions.begin() as session:
        session.add(
            FactorEvidence(
                team_id="T0ACME",
                postmortem_id=postmortem_id,
                chain=1,
                source="monitoring",
                source_key=cited.source_key,
                message_ts="1764000000.000200",
            )
        )

    _record(sessions, Gathered(_plan(postmortem_id), alerts=(checkout,)))

    with sessions() as session:
        keys = [row.source_key for row in timeline.list_for(session, postmortem_id)]
    assert keys == [checkout.source_key, cited.source_key]


def test_past_its_retention_an_empty_alerts_answer_forgets_no_line(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    _record(sessions, Gathered(_plan(postmortem_id), alerts=(_firing("CheckoutErrors", 1),)))
    short = Gap(GapKind.METRIC_RETENTION_SHORT, reason="1 day")
    _record(sessions, Gathered(_plan(postmortem_id), alerts=(), gaps=(short,)))
    with sessions() as session:
        assert len(timeline.list_for(session, postmortem_id)) == 1


def _said_at_14(
    sessions: sessionmaker[Session], postmortem_id: int, *lines: tuple[int, str]
) -> None:
    """Channel lines at 14:MM on the incident's day, as the history read them."""
    with sessions.begin() as session:
        for minute, text in lines:
            session.add(
                TimelineEvent(
                    team_id="T0ACME",
                    postmortem_id=postmortem_id,
                    occurred_at=datetime(2026, 11, 24, 14, minute, tzinfo=UTC),
                    source="slack",
                    source_key=f"C0INC:{minute}",
                    text=text,
                )
            )


def test_the_window_follows_the_timeline_until_the_milestones_are_known(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    with sessions() as session:
        assert metrics.plan(session, postmortem_id, now=NOW) is None, "nothing to chart yet"
    _said_at_14(sessions, postmortem_id, (0, "checkout 500s"), (40, "looks fine now"))
    with sessions() as session:
        plan = metrics.plan(session, postmortem_id, now=NOW)
    assert plan is not None
    assert (plan.start, plan.end, plan.step) == (
        datetime(2026, 11, 24, 13, 30, tzinfo=UTC),
        datetime(2026, 11, 24, 15, 10, tzinfo=UTC),
        STEP,
    )


def _always_firing(request: httpx.Request) -> httpx.Response:
    """A Prometheus whose Watchdog alert (kube-prometheus' always-on one) fires all along."""
    if request.url.path.endswith("runtimeinfo"):
        return httpx.Response(200, json={"status": "success", "data": {"storageRetention": "1y"}})
    start, end = float(request.url.params["start"]), float(request.url.params["end"])
    step = float(request.url.params["step"])
    values = [[start + i * step, "1"] for i in range(int((end - start) // step) + 1)]
    labels = {"__name__": "ALERTS", "alertname": "Watchdog", "alertstate": "firing"}
    result = [{"metric": labels, "values": values}]
    return httpx.Response(
        200, json={"status": "success", "data": {"resultType": "matrix", "result": result}}
    )


def test_an_alert_firing_before_the_window_does_not_widen_it_fetch_after_fetch(
    sessions: sessionmaker[Session],
) -> None:
    """Its 'already firing' line sits at the window's start; were it the 'detected'
    milestone or part of the span the window follows, each /postmortem timeline would
    chart half an hour more, for ever."""
    postmortem_id = _postmortem(sessions)
    _said_at_14(sessions, postmortem_id, (0, "checkout 500s"), (40, "looks fine now"))
    client = PrometheusClient(
        "http://prometheus:9090", Catalog(), transport=httpx.MockTransport(_always_firing)
    )
    windows = []
    for _ in range(3):
        with sessions() as session:
            plan = metrics.plan(session, postmortem_id, now=NOW)
        assert plan is not None
        windows.append((plan.start, plan.end))
        _record(sessions, gather(client, plan, now=NOW))
    with sessions() as session:
        lines = [row.text for row in timeline.list_for(session, postmortem_id)]
    assert "Alert Watchdog firing (already firing when the window starts)" in lines
    with sessions() as session:
        postmortem = session.get(Postmortem, postmortem_id)
        assert postmortem is not None
        assert milestones.current(session, postmortem).at(Name.DETECTED) is None
    assert (
        windows == [(datetime(2026, 11, 24, 13, 30, tzinfo=UTC), END + timedelta(minutes=10))] * 3
    )
