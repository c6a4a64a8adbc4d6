"""The Prometheus client against Prometheus' published answers (its API docs' examples)
and the ways a server fails: each failure a typed error in words a report can show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.prometheus.client import PrometheusClient
from bot.prometheus.errors import PrometheusError, PrometheusUnavailable, QueryFailed
from bot.prometheus.queries import Catalog
from tests import published

START = datetime(2015, 7, 1, 20, 10, 30, tzinfo=UTC)
END = START + timedelta(seconds=30)
STEP = timedelta(seconds=15)


def _client(handler: httpx.MockTransport) -> PrometheusClient:
    return PrometheusClient("http://prometheus:9090/", Catalog(), transport=handler)


def _answer(body: object, status: int = 200) -> httpx.MockTransport:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    transport = httpx.MockTransport(handle)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


def test_a_range_query_asks_with_unix_times_and_step_and_reads_the_docs_matrix() -> None:
    transport = _answer(published.read_json("prometheus_query_range.up.prometheus-docs.json"))
    series = _client(transport).query_range("up", START, END, STEP)

    request = transport.seen[0]  # type: ignore[attr-defined]
    assert request.url.path == "/api/v1/query_range"
    assert request.url.params["query"] == "up"
    assert request.url.params["start"] == f"{START.timestamp():.3f}"
    assert request.url.params["step"] == "15"
    assert [s.label for s in series] == [
        '{instance="localhost:9090", job="prometheus"}',
        '{instance="localhost:9091", job="node"}',
    ]
    node = series[1]
    assert [p.value for p in node.points] == [0.0, 0.0, 1.0]
    assert node.points[0].at == datetime(2015, 7, 1, 20, 10, 30, 781000, tzinfo=UTC)


def test_nan_and_infinite_samples_are_left_out() -> None:
    document = published.read_json("prometheus_query_range.up.prometheus-docs.json")
    values = document["data"]["result"][0]["values"]
    values[0][1], values[1][1] = "NaN", "+Inf"
    series = _client(_answer(document)).query_range("up", START, END, STEP)
    assert [p.value for p in series[0].points] == [1.0]


def test_a_refused_query_is_query_failed_with_prometheus_words() -> None:
    body = {"status": "error", "errorType": "bad_data", "error": "1:4: parse error: unexpected"}
    with pytest.raises(QueryFailed, match="bad_data: 1:4: parse error"):
        _client(_answer(body, status=400)).query_range("up{", START, END, STEP)


def test_a_server_that_does_not_answer_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(PrometheusUnavailable, match="did not answer"):
        _client(httpx.MockTransport(refuse)).query_range("up", START, END, STEP)


def test_a_proxy_error_page_is_unavailable_and_a_wrong_url_is_said() -> None:
    def bad_gateway(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad Gateway</html>")

    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="404 page not found")

    with pytest.raises(PrometheusUnavailable, match="HTTP 502"):
        _client(httpx.MockTransport(bad_gateway)).query_range("up", START, END, STEP)
    with pytest.raises(PrometheusError, match="HTTP 404, not its JSON"):
        _client(httpx.MockTransport(not_found)).query_range("up", START, END, STEP)


def test_an_instant_answer_where_a_matrix_belongs_is_refused() -> None:
    body = {"status": "success", "data": {"resultType": "vector", "result": []}}
    with pytest.raises(PrometheusError, match="not a matrix"):
        _client(_answer(body)).query_range("up", START, END, STEP)


def test_retention_is_read_from_runtimeinfo() -> None:
    document = published.read_json("prometheus_status_runtimeinfo.prometheus-docs.json")
    transport = _answer(document)
    assert _client(transport).retention() == timedelta(days=15)
    assert transport.seen[0].url.path == "/api/v1/status/runtimeinfo"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("15d or 512MiB", timedelta(days=15)),
        ("1y2w", timedelta(days=379)),
        ("36h", timedelta(hours=36)),
        ("512MiB", None),
    ],
)
def test_retention_reads_time_limits_and_ignores_size_limits(
    said: str, kept: timedelta | None
) -> None:
    document = json.loads(published.read_text("prometheus_status_runtimeinfo.prometheus-docs.json"))
    document["data"]["storageRetention"] = said
    assert _client(_answer(document)).retention() == kept


def test_a_series_whose_labels_are_not_an_object_is_refused_not_a_crash() -> None:
    document = published.read_json("prometheus_query_range.up.prometheus-docs.json")
    document["data"]["result"][0]["metric"] = ["up", "prometheus"]
    with pytest.raises(PrometheusError, match="labels that are not an object"):
        _client(_answer(document)).query_range("up", START, END, STEP)


def test_an_unaggregated_query_answering_too_much_is_its_charts_failure_read_no_further() -> None:
    """`rate(x[5m])` over every pod: hundreds of full series, refused as they stream in."""
    sent: list[int] = []

    def series(index: int) -> bytes:
        values = ",".join(f'[{1435781430 + 15 * i},"{i}.5"]' for i in range(11_001))
        sent.append(index)
        return f'{{"metric":{{"pod":"p{index}"}},"values":[{values}]}}'.encode()

    def chunks() -> Iterator[bytes]:
        yield b'{"status":"success","data":{"resultType":"matrix","result":['
        for index in range(200):
            yield (b"," if index else b"") + series(index)
        yield b"]}}"

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    client = _client(httpx.MockTransport(handle))
    with pytest.raises(QueryFailed, match=r"over 8 MiB \(too many series: aggregate the query"):
        client.query_range("rate(http_requests_total[5m])", START, END, STEP)
    assert len(sent) < 40  # stopped reading, not decoded whole
