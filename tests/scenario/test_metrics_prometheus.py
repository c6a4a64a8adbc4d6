"""The incident's metrics from a REAL Prometheus (Debian's), holding the seeded incident's
samples (2026-11-24, checkout's error ratio high from 13:52 to 14:20, the
CheckoutErrorRate alert firing 13:55–14:30, and another service's alert and series that
the post-mortem's service leaves out).

Alice publishes: the error-ratio chart is kept with its series over the milestones'
window at a 15 s step, the ALERTS transitions are on the timeline at their UTC minutes
(once, however often it is fetched), and the report's data gaps name no metrics gap.
With Prometheus stopped the report still publishes and says Prometheus could not be reached;
with charts named and no PROMETHEUS_URL it says Prometheus is not configured; with a
Prometheus that keeps one day, that its retention is shorter than the window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.metrics import MetricChart
from bot.core.timeline import ALERT_FIRING, ALERT_RESOLVED
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.services import metrics
from storage.db import make_engine, make_sessionmaker
from storage.models import Postmortem, TimelineEvent
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.prometheus_server import (
    Family,
    PrometheusProcess,
    openmetrics,
    running_prometheus,
)
from tests.scenario.report_seed import ALICE
from tests.scenario.test_tickets import report_markdown, seeded, told

DAY = datetime(2026, 11, 24, tzinfo=UTC)
QUERIES = """
[[query]]
name = "Checkout error ratio"
expr = 'http_requests_errors_ratio'
unit = "ratio"
labels = { service = "{service}" }
"""


def at(hour: int, minute: int) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def _during(
    first: datetime, last: datetime, high: float, low: float | None
) -> Callable[[datetime], float | None]:
    return lambda moment: high if first <= moment <= last else low


def incident_samples() -> str:
    errors = Family(
        "http_requests_errors_ratio",
        (
            ({"service": "checkout"}, _during(at(13, 52), at(14, 20), 0.2, 0.01)),
            ({"service": "search"}, _during(at(13, 0), at(16, 0), 0.005, None)),
        ),
    )
    firing = {"alertstate": "firing", "severity": "page"}
    alerts = Family(
        "ALERTS",
        (
            (
                {"alertname": "CheckoutErrorRate", "service": "checkout", **firing},
                _during(at(13, 55), at(14, 30), 1.0, None),
            ),
            (
                {"alertname": "SearchSlow", "service": "search", **firing},
                _during(at(14, 0), at(14, 10), 1.0, None),
            ),
        ),
    )
    return openmetrics([errors, alerts], at(12, 0), at(16, 0))


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[PrometheusProcess]:
    with running_prometheus(incident_samples(), tmp_path / "prometheus") as server:
        yield server


@pytest.fixture
def metrics_bot(
    sandbox: Sandbox, prometheus: PrometheusProcess, database_url: str, tmp_path: Path
) -> Iterator[BotProcess]:
    charts = tmp_path / "queries.toml"
    charts.write_text(QUERIES)
    env = {"PROMETHEUS_URL": prometheus.url, "PROMETHEUS_QUERIES": str(charts)}
    with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
        yield bot


@pytest.fixture
def people(metrics_bot: BotProcess, sandbox: Sandbox) -> Iterator[Driver]:
    with Driver(metrics_bot.url, metrics_bot.signing_secret, sandbox) as driver:
        yield driver


@pytest.fixture
def db(metrics_bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(metrics_bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _about_checkout(db: sessionmaker[Session]) -> int:
    with db.begin() as session:
        postmortem = session.scalars(select(Postmortem)).one()
        postmortem.service = "checkout"
        return postmortem.id


def _charts(db: sessionmaker[Session], postmortem_id: int) -> tuple[MetricChart, ...]:
    with db() as session:
        return metrics.charts_for(session, postmortem_id)


def _alert_lines(db: sessionmaker[Session]) -> list[tuple[str | None, datetime, str | None]]:
    with db() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.source == "monitoring")
            .order_by(TimelineEvent.occurred_at)
        )
        return [(row.kind, row.occurred_at, row.actor) for row in rows]


def test_publish_keeps_the_services_error_ratio_over_the_window_and_the_alerts_transitions(
    sandbox: Sandbox, people: Driver, db: sessionmaker[Session]
) -> None:
    seeded(sandbox, db)
    postmortem_id = _about_checkout(db)

    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Published")

    (chart,) = _charts(db, postmortem_id)
    assert chart.missing is None and chart.query.unit == "ratio"
    assert [s.label for s in chart.series] == ['{service="checkout"}']  # not search's
    assert chart.step == timedelta(seconds=15)
    # The milestones' window (PagerDuty's trigger at 13:54 to its resolution at 14:30),
    # and half an hour either side.
    assert chart.start == at(13, 24) and chart.end == at(15, 0)
    values = {p.at: p.value for p in chart.series[0].points}
    assert values[at(13, 40)] == 0.01 and values[at(14, 10)] == 0.2
    assert values[at(14, 45)] == 0.01
    assert len(values) == (chart.end - chart.start) // chart.step + 1

    actor = 'CheckoutErrorRate {service="checkout", severity="page"}'
    expected = [(ALERT_FIRING, at(13, 55), actor), (ALERT_RESOLVED, at(14, 30), actor)]
    lines = _alert_lines(db)
    assert [(kind, when.replace(second=0), who) for kind, when, who in lines] == expected

    markdown = report_markdown(sandbox)
    assert "Prometheus" not in markdown.split("Data gaps", 1)[-1].split("\n## ", 1)[0]

    people.slash_command(ALICE, CHANNEL, "timeline")
    (timeline_file,) = sandbox.wait_for(
        lambda: [f for f in sandbox.slack.files if f["filename"] == "timeline.md"]
    )
    assert len(_alert_lines(db)) == 2, "fetching again files no alert twice"
    rows = timeline_file["content"].decode().splitlines()
    for minute, said in (("13:55", "firing"), ("14:30", "resolved")):
        assert any(
            f"2026-11-24 {minute}" in row and f"Alert CheckoutErrorRate {said}" in row
            for row in rows
        ), said
    assert not any("SearchSlow" in row for row in rows), "another service's alert is left out"


def test_prometheus_stopped_the_report_still_publishes_and_names_the_gap(
    sandbox: Sandbox, people: Driver, db: sessionmaker[Session], prometheus: PrometheusProcess
) -> None:
    seeded(sandbox, db)
    _about_checkout(db)
    prometheus.stop()

    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Published")

    markdown = report_markdown(sandbox)
    assert "Prometheus could not be reached" in markdown
    assert "the incident's metrics and the alerts' history are not in the report" in markdown

    # The team knows why: said once, the gap stays noted through the next publish's fetch.
    people.slash_command(ALICE, CHANNEL, "gap ack metrics Prometheus was being moved")
    told(sandbox, ALICE, "Noted: the missing metrics are known (Prometheus was being moved)")
    people.slash_command(ALICE, CHANNEL, "publish")
    noted = "Acknowledged: Prometheus was being moved."
    sandbox.wait_for(
        lambda: any(
            noted in f["content"].decode()
            for f in sandbox.slack.files
            if f["filename"].startswith("postmortem-")
        )
    )


@pytest.fixture
def unconfigured_bot(sandbox: Sandbox, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    charts = tmp_path / "queries.toml"
    charts.write_text(QUERIES)
    with running_bot(
        sandbox, database_url=database_url, extra_env={"PROMETHEUS_QUERIES": str(charts)}
    ) as bot:
        yield bot


def test_charts_named_without_prometheus_url_are_a_stated_gap(
    sandbox: Sandbox, unconfigured_bot: BotProcess
) -> None:
    engine = make_engine(unconfigured_bot.database_url)
    try:
        seeded(sandbox, make_sessionmaker(engine))
    finally:
        engine.dispose()
    with Driver(unconfigured_bot.url, unconfigured_bot.signing_secret, sandbox) as people:
        people.slash_command(ALICE, CHANNEL, "publish")
        told(sandbox, ALICE, "Published")
    data_gaps = report_markdown(sandbox).split("## Data gaps", 1)[1].split("\n## ", 1)[0]
    assert "- Prometheus is not configured (PROMETHEUS\\_URL), so the charts of" in data_gaps


@pytest.fixture
def forgetful_bot(
    sandbox: Sandbox, database_url: str, tmp_path: Path
) -> Iterator[tuple[BotProcess, PrometheusProcess]]:
    """Prometheus keeping a day: the incident, a week ago, is past its retention."""
    charts = tmp_path / "queries.toml"
    charts.write_text(QUERIES)
    with running_prometheus(incident_samples(), tmp_path / "short", retention="1d") as server:
        env = {"PROMETHEUS_URL": server.url, "PROMETHEUS_QUERIES": str(charts)}
        with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
            yield bot, server


def test_a_retention_shorter_than_the_window_is_a_stated_gap(
    sandbox: Sandbox, forgetful_bot: tuple[BotProcess, PrometheusProcess]
) -> None:
    bot, _ = forgetful_bot
    engine = make_engine(bot.database_url)
    try:
        seeded(sandbox, make_sessionmaker(engine))
    finally:
        engine.dispose()
    with Driver(bot.url, bot.signing_secret, sandbox) as people:
        people.slash_command(ALICE, CHANNEL, "publish")
        told(sandbox, ALICE, "Published")
    data_gaps = report_markdown(sandbox).split("## Data gaps", 1)[1].split("\n## ", 1)[0]
    assert "- Prometheus keeps less than the incident window (1 day: nothing before " in data_gaps
    assert "and the window starts 2026-11-24 13:24 UTC), so the metrics of its start" in data_gaps


def test_republished_with_prometheus_stopped_the_chart_fetched_before_stays(
    sandbox: Sandbox, people: Driver, db: sessionmaker[Session], prometheus: PrometheusProcess
) -> None:
    seeded(sandbox, db)
    postmortem_id = _about_checkout(db)
    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Published")
    (before,) = _charts(db, postmortem_id)
    prometheus.stop()

    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Updated")

    assert _charts(db, postmortem_id) == (before,)
    data_gaps = report_markdown(sandbox).split("## Data gaps", 1)[1].split("\n## ", 1)[0]
    assert "Prometheus could not be reached" in data_gaps
    assert "the charts are as fetched " in data_gaps
