"""One fetch over the incident window as Prometheus answers it: each way a chart can be
missing is its own gap in words, and Prometheus down is one gap, not a crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from bot.core.metrics import Query
from bot.core.timeline import GapKind
from bot.flows.metrics import gather
from bot.prometheus.client import PrometheusClient
from bot.prometheus.queries import Catalog
from bot.services.metrics import Plan
from tests import published

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 24, 13, 20, tzinfo=UTC)
PLAN = Plan(7, "checkout", START, START + timedelta(hours=2), timedelta(seconds=15))
ERRORS = Query("Errors", "errors_ratio", labels={"service": "{service}"})
BROKEN = Query("Broken", "rate(")
Answer = Callable[[httpx.Request], httpx.Response]


def _matrix(*services: str) -> dict:
    return {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {"metric": {"service": s}, "values": [[START.timestamp(), "0.2"]]} for s in services
            ],
        },
    }


def _runtime(retention: str) -> dict:
    document = published.read_json("prometheus_status_runtimeinfo.prometheus-docs.json")
    document["data"]["storageRetention"] = retention
    return document


def _client(answer: Answer) -> PrometheusClient:
    return PrometheusClient(
        "http://prometheus:9090", Catalog((ERRORS, BROKEN)), transport=httpx.MockTransport(answer)
    )


def _prometheus(matrix: dict, retention: str = "15d") -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("runtimeinfo"):
            return httpx.Response(200, json=_runtime(retention))
        if request.url.params["query"] == "rate(":
            failed = {"status": "error", "errorType": "bad_data", "error": "parse error"}
            return httpx.Response(400, content=json.dumps(failed))
        if request.url.params["query"].startswith("ALERTS"):
            return httpx.Response(200, json=_matrix())
        return httpx.Response(200, json=matrix)

    return answer


def test_the_services_series_is_kept_and_a_refused_query_is_its_own_gap() -> None:
    gathered = gather(_client(_prometheus(_matrix("checkout", "search"))), PLAN, now=NOW)

    errors, broken = gathered.charts
    assert [s.label for s in errors.chart.series] == ['{service="checkout"}']
    assert errors.problem is None and errors.chart.missing is None
    assert broken.problem == GapKind.METRIC_QUERY_FAILED
    assert broken.chart.missing == "the query failed: bad_data: parse error"
    assert gathered.gaps == () and gathered.alerts == ()


def test_only_another_services_data_is_no_data_for_this_service() -> None:
    gathered = gather(_client(_prometheus(_matrix("search"))), PLAN, now=NOW)
    errors = gathered.charts[0]
    assert errors.problem == GapKind.METRIC_NO_DATA
    assert errors.chart.missing == 'no data in the window for service="checkout"'


def test_a_retention_shorter_than_the_window_is_said_with_its_dates() -> None:
    gathered = gather(_client(_prometheus(_matrix("checkout"), retention="5d")), PLAN, now=NOW)
    (gap,) = gathered.gaps
    assert gap.kind == GapKind.METRIC_RETENTION_SHORT
    assert gap.describe() == (
        "Prometheus keeps less than the incident window (5 days: nothing before "
        "2026-11-26 12:00 UTC, and the window starts 2026-11-24 13:20 UTC), so the metrics "
        "of its start are gone."
    )


def test_prometheus_down_is_one_gap_and_every_chart_says_why_it_is_empty() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    gathered = gather(_client(refuse), PLAN, now=NOW)
    (gap,) = gathered.gaps
    assert gap.kind == GapKind.PROMETHEUS_UNREACHABLE
    assert "http://prometheus:9090 did not answer (ConnectError)" in gap.describe()
    assert gathered.alerts is None
    assert all(f.problem is None and not f.chart.drawable for f in gathered.charts)
    assert all(f.chart.missing and "unreachable" in f.chart.missing for f in gathered.charts)


def test_behind_basic_auth_the_bot_signs_in_and_a_gap_never_shows_the_password() -> None:
    """PROMETHEUS_URL=http://bot:s3cret@prometheus:9090: the gaps go into the published
    report, so they name Prometheus by its address alone."""
    asked: list[str | None] = []

    def proxy_down(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers.get("authorization"))
        return httpx.Response(502, text="<html><body>502 Bad Gateway</body></html>")

    transport = httpx.MockTransport(proxy_down)
    client = PrometheusClient(
        "http://bot:s3cret@prometheus:9090", Catalog((ERRORS,)), transport=transport
    )
    gathered = gather(client, PLAN, now=NOW)
    (gap,) = gathered.gaps
    assert asked[0] == "Basic Ym90OnMzY3JldA=="  # bot:s3cret
    assert "Prometheus at http://prometheus:9090 answered HTTP 502" in gap.describe()
    words = [gap.describe(), *(f.chart.missing or "" for f in gathered.charts)]
    assert not any("s3cret" in said or "bot:" in said for said in words)


def test_one_slow_query_is_its_charts_gap_and_the_other_charts_are_kept() -> None:
    """A heavy expression times out; Prometheus itself answered, so it is not 'down'."""
    slow = Query("Slow p99", "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("query", "").startswith("histogram_quantile"):
            raise httpx.ReadTimeout("timed out", request=request)
        return _prometheus(_matrix("checkout"))(request)

    transport = httpx.MockTransport(answer)
    client = PrometheusClient(
        "http://prometheus:9090", Catalog((ERRORS, slow)), transport=transport
    )
    gathered = gather(client, PLAN, now=NOW)
    errors, slowest = gathered.charts
    assert gathered.gaps == () and gathered.alerts == ()
    assert errors.chart.drawable and errors.problem is None
    assert slowest.problem == GapKind.METRIC_QUERY_FAILED
    assert slowest.chart.missing == "the query failed: no answer within 10 s (a heavy query?)"


def test_prometheus_hanging_altogether_is_one_unreachable_gap() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    gathered = gather(_client(hang), PLAN, now=NOW)
    (gap,) = gathered.gaps
    assert gap.kind == GapKind.PROMETHEUS_UNREACHABLE
    assert "did not answer (ReadTimeout)" in gap.describe()


def test_with_several_workspaces_a_post_mortem_naming_no_service_reads_no_alerts() -> None:
    """As with Alertmanager's alerts: the organisation's ALERTS are not shown to whichever
    workspace's post-mortem asks without naming its service; the gap says how to."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("query", ""))
        return _prometheus(_matrix("checkout", "search"))(request)

    client = PrometheusClient(
        "http://prometheus:9090", Catalog((ERRORS,)), transport=httpx.MockTransport(answer)
    )
    unnamed = Plan(7, None, PLAN.start, PLAN.end, PLAN.step)

    gathered = gather(client, unnamed, now=NOW, single_workspace=False)
    assert gathered.alerts == ()
    assert not any(query.startswith("ALERTS") for query in asked)
    (gap,) = gathered.gaps
    assert gap.describe() == (
        "The chart “ALERTS (the alerts' history)” is missing (with several workspaces it is "
        "read only for a named service: /postmortem service NAME)."
    )
    assert gathered.charts[0].chart.drawable  # the charts are the deployment's own

    named = gather(client, PLAN, now=NOW, single_workspace=False)
    assert named.gaps == () and 'ALERTS{alertstate="firing",service="checkout"}' in asked
    assert gather(client, unnamed, now=NOW).gaps == (), "one workspace: every alert"


def test_a_post_mortem_refused_its_service_asks_prometheus_nothing() -> None:
    """OAuth mode, `checkout` not mapped to the workspace: no chart, no ALERTS, one gap."""
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return _prometheus(_matrix("checkout"))(request)

    why = "service checkout is not mapped to this workspace"
    gathered = gather(_client(answer), replace(PLAN, refused=why), now=NOW, single_workspace=False)

    assert asked == []
    assert (gathered.charts, gathered.alerts) == ((), ())
    (gap,) = gathered.gaps
    assert why in gap.describe()


def test_with_several_workspaces_a_chart_not_narrowed_to_the_service_is_not_read() -> None:
    """A query whose `labels` do not name `{service}` charts every company's series."""
    everything = Query("All requests", "sum(rate(http_requests_total[5m]))")
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("query", ""))
        return _prometheus(_matrix("checkout", "search"))(request)

    client = PrometheusClient(
        "http://prometheus:9090",
        Catalog((ERRORS, everything)),
        transport=httpx.MockTransport(answer),
    )

    shared = gather(client, PLAN, now=NOW, single_workspace=False)
    alone = gather(client, PLAN, now=NOW)

    narrowed, unnarrowed = shared.charts
    assert narrowed.chart.drawable and narrowed.problem is None
    assert unnarrowed.problem == GapKind.METRIC_QUERY_FAILED and not unnarrowed.chart.drawable
    assert "narrow it to the service" in (unnarrowed.chart.missing or "")
    assert asked.count(everything.expr) == 1, "read only for the single workspace"
    assert alone.charts[1].chart.drawable
