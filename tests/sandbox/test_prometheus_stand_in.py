"""The Prometheus stand-in answers the bot's own client as Prometheus would: matrices
and vectors in Prometheus' shapes, narrowed by selectors, and Prometheus' refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.prometheus.client import PrometheusClient
from bot.prometheus.errors import PrometheusUnavailable, QueryFailed
from bot.prometheus.queries import Catalog
from bot.sandbox import Sandbox
from bot.sandbox.demo import describe, seed_demo_workspace
from bot.sandbox.prometheus_api import PREFIX, PrometheusState, demo

START = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
STEP = timedelta(seconds=15)


@pytest.fixture
def state(sb: Sandbox) -> PrometheusState:
    prometheus = demo(START)
    sb.mount(PREFIX, prometheus.route)
    return prometheus


@pytest.fixture
def client(sb: Sandbox, state: PrometheusState) -> Iterator[PrometheusClient]:
    prometheus = PrometheusClient(f"{sb.base_url}{PREFIX}", Catalog())
    yield prometheus
    prometheus.close()


def test_a_range_query_is_a_matrix_of_the_selected_series_at_each_step(
    client: PrometheusClient, state: PrometheusState
) -> None:
    (series,) = client.query_range(
        'http_requests_errors_ratio{service="checkout"}', START, START + timedelta(minutes=30), STEP
    )
    assert dict(series.labels) == {"__name__": "http_requests_errors_ratio", "service": "checkout"}
    assert len(series.points) == 121 and series.points[0].at == START
    values = {p.at: p.value for p in series.points}
    assert values[START + timedelta(minutes=5)] == 0.09
    assert values[START + timedelta(minutes=20)] == 0.002
    assert state.calls[-1]["path"] == "/api/v1/query_range"


def test_the_demo_alert_fires_a_minute_in_and_stops_after_the_rollback(
    client: PrometheusClient,
) -> None:
    (alert,) = client.query_range(
        'ALERTS{alertstate="firing",service="checkout"}', START, START + timedelta(hours=1), STEP
    )
    assert alert.points[0].at == START + timedelta(minutes=1)
    assert alert.points[-1].at == START + timedelta(minutes=13)
    assert client.query_range('ALERTS{service="search"}', START, START, STEP) == ()


def test_prometheus_refusals_are_its_words(client: PrometheusClient) -> None:
    with pytest.raises(QueryFailed, match=r"bad_data: .*parse error"):
        client.query_range("rate(x[5m])", START, START, STEP)
    with pytest.raises(QueryFailed, match="exceeded maximum resolution of 11,000 points"):
        client.query_range("up", START, START + timedelta(days=3), STEP)
    with pytest.raises(QueryFailed, match="end timestamp must not be before start time"):
        client.query_range("up", START, START - STEP, STEP)


def test_an_instant_query_is_a_vector_and_the_retention_is_said(
    sb: Sandbox, client: PrometheusClient
) -> None:
    answer = httpx.get(
        f"{sb.base_url}{PREFIX}/api/v1/query",
        params={"query": "http_request_duration_p99_seconds", "time": "2026-11-30T22:05:00Z"},
    ).json()
    assert answer["status"] == "success" and answer["data"]["resultType"] == "vector"
    assert answer["data"]["result"][0]["value"] == [
        datetime(2026, 11, 30, 22, 5, tzinfo=UTC).timestamp(),
        "1.8",
    ]
    assert client.retention() == timedelta(days=15)


def test_down_it_answers_like_a_proxy_in_front_of_a_stopped_prometheus(
    client: PrometheusClient, state: PrometheusState
) -> None:
    state.down = True
    with pytest.raises(PrometheusUnavailable, match="HTTP 503"):
        client.query_range("up", START, START, STEP)


def test_the_demo_workspace_serves_its_metrics_and_the_banner_says_where() -> None:
    with Sandbox() as sandbox:
        seeded = seed_demo_workspace(sandbox, start=START)
        banner = describe(sandbox, seeded)
        assert f"export PROMETHEUS_URL={sandbox.base_url}{PREFIX}" in banner
        prometheus = PrometheusClient(seeded["prometheus"], Catalog())
        try:
            (alert,) = prometheus.query_range("ALERTS", START, START + timedelta(hours=1), STEP)
        finally:
            prometheus.close()
    assert dict(alert.labels)["alertname"] == "CheckoutErrorRate"
