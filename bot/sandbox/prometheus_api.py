"""A Prometheus HTTP API (v1) stand-in: range and instant queries over series the test
or the demo describes, with Prometheus' answer shapes.

Mounted under a prefix (`Sandbox.mount("/prometheus", state.route)`), so PROMETHEUS_URL
is the sandbox's `/prometheus`. It understands selectors only (`name`, `name{a="b", …}`,
equality matchers), not PromQL functions; what it serves:

    GET|POST /api/v1/query_range   query, start, end (unix or RFC 3339), step (seconds or
                                   a duration) -> {"status": "success", "data":
                                   {"resultType": "matrix", "result": [{metric, values}]}}
    GET|POST /api/v1/query         query, time -> resultType "vector"
    GET      /api/v1/status/runtimeinfo        -> data.storageRetention ("15d")

Refusals as Prometheus words them, HTTP 400 `{"status": "error", "errorType":
"bad_data", "error": …}`: an expression that is no selector, a missing or unreadable
time, end before start, a step of zero, more than 11,000 points per series. `down = True`
answers 503 with an HTML page, as a proxy in front of a stopped Prometheus does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.wire import Request, Response, request_params

PREFIX = "/prometheus"
MAX_POINTS = 11_000
RETENTION = "15d"
ValueAt = Callable[[datetime], float | None]
_SELECTOR = re.compile(r"\s*([A-Za-z_:][A-Za-z0-9_:]*)?\s*(?:\{(.*)\})?\s*")
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}

# The demo's charts, as an operator would write PROMETHEUS_QUERIES.
DEMO_QUERIES = """\
[[query]]
name = "Checkout error ratio"
expr = 'http_requests_errors_ratio'
unit = "ratio"
labels = { service = "{service}" }

[[query]]
name = "Checkout p99 latency"
expr = 'http_request_duration_p99_seconds'
unit = "s"
"""


class BadQuery(ValueError):
    """What Prometheus answers 400 `bad_data` for."""


@dataclass
class PrometheusState:
    """The series it serves (labels with `__name__`, and a value per moment), the calls."""

    series: list[tuple[dict[str, str], ValueAt]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False

    def add(self, name: str, labels: Mapping[str, str], value_at: ValueAt) -> None:
        self.series.append(({"__name__": name, **labels}, value_at))

    def route(self, request: Request) -> Response:
        path = request.path.removeprefix(PREFIX)
        params = request_params(request)
        self.calls.append({"method": request.method, "path": path, "params": params})
        if self.down:
            return Response(503, b"<html><body>503 Service Unavailable</body></html>", "text/html")
        try:
            if path == "/api/v1/query_range":
                return _success("matrix", self._range(params))
            if path == "/api/v1/query":
                return _success("vector", self._instant(params))
        except BadQuery as error:
            return Response.json(
                400, {"status": "error", "errorType": "bad_data", "error": str(error)}
            )
        if path == "/api/v1/status/runtimeinfo":
            return Response.json(
                200, {"status": "success", "data": {"storageRetention": RETENTION}}
            )
        return Response.text(404, "404 page not found")

    def _range(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        start, end = _time(params, "start"), _time(params, "end")
        step = _step(params.get("step"))
        if end < start:
            raise BadQuery("end timestamp must not be before start time")
        if (end - start) / step > MAX_POINTS:
            raise BadQuery(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing "
                "the query resolution (?step=XX)"
            )
        moments = [start + i * step for i in range(int((end - start) / step) + 1)]
        result = []
        for labels, value_at in self._matching(params.get("query", "")):
            values = [[m.timestamp(), _text(v)] for m in moments if (v := value_at(m)) is not None]
            if values:
                result.append({"metric": labels, "values": values})
        return result

    def _instant(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        moment = _time(params, "time") if params.get("time") else datetime.now(UTC)
        return [
            {"metric": labels, "value": [moment.timestamp(), _text(value)]}
            for labels, value_at in self._matching(params.get("query", ""))
            if (value := value_at(moment)) is not None
        ]

    def _matching(self, expr: str) -> list[tuple[dict[str, str], ValueAt]]:
        wanted = _selector(expr)
        return [
            (labels, value_at)
            for labels, value_at in self.series
            if all(labels.get(k) == v for k, v in wanted.items())
        ]


def demo(start: datetime) -> PrometheusState:
    """The demo incident's metrics and alert: checkout's errors climb as the incident
    starts and fall after the rollback 12 minutes in; the alert fires a minute in."""
    state = PrometheusState()
    rollback = start + timedelta(minutes=12)

    def errors(moment: datetime) -> float:
        if start - timedelta(minutes=2) <= moment <= rollback:
            return 0.09
        return 0.002

    def latency(moment: datetime) -> float:
        return 1.8 if start <= moment <= rollback else 0.21

    def firing(moment: datetime) -> float | None:
        return (
            1.0
            if start + timedelta(minutes=1) <= moment <= rollback + timedelta(minutes=1)
            else None
        )

    state.add("http_requests_errors_ratio", {"service": "checkout"}, errors)
    state.add("http_request_duration_p99_seconds", {"service": "checkout"}, latency)
    alert = {"alertname": "CheckoutErrorRate", "alertstate": "firing", "service": "checkout"}
    state.add("ALERTS", {**alert, "severity": "page"}, firing)
    return state


def _success(kind: str, result: list[dict[str, Any]]) -> Response:
    return Response.json(200, {"status": "success", "data": {"resultType": kind, "result": result}})


def _selector(expr: str) -> dict[str, str]:
    match = _SELECTOR.fullmatch(expr)
    if not expr.strip() or match is None:
        raise BadQuery(f'1:1: parse error: the sandbox reads selectors only, not "{expr[:60]}"')
    name, inside = match.groups()
    wanted = {"__name__": name} if name else {}
    if inside:
        pairs = _MATCHER.findall(inside)
        if _MATCHER.sub("", inside).strip():
            raise BadQuery(f"1:1: parse error: unexpected matcher in {inside[:60]!r}")
        wanted.update({k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in pairs})
    return wanted


def _time(params: Mapping[str, Any], name: str) -> datetime:
    value = str(params.get(name, ""))
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise BadQuery(
            f'invalid parameter "{name}": cannot parse "{value}" to a valid timestamp'
        ) from None


def _step(value: Any) -> timedelta:
    text = str(value or "")
    try:
        seconds = float(text)
    except ValueError:
        parts = _DURATION.findall(text)
        if not parts or _DURATION.sub("", text):
            raise BadQuery(
                f'invalid parameter "step": cannot parse "{text}" to a valid duration'
            ) from None
        seconds = sum(int(n) * _SECONDS[unit] for n, unit in parts)
    if seconds <= 0:
        raise BadQuery(
            "zero or negative query resolution step widths are not accepted. Try a positive integer"
        )
    return timedelta(seconds=seconds)


def _text(value: float) -> str:
    return format(value, "g")
