"""Prometheus' HTTP API over httpx: a range query, and how long Prometheus keeps data.

No retries: a report is fetched when it is rendered, and a missing chart is stated as a
data gap, then fetched again at the next render. Every failure is a typed error
(`bot.prometheus.errors`) whose words go into that gap.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.core.metrics import Series
from bot.prometheus import answers
from bot.prometheus.errors import PrometheusError, PrometheusUnavailable, QueryFailed
from bot.prometheus.queries import Catalog

TIMEOUT_SECONDS = 10.0
# A chart's series is at most 11,001 samples, some 300 KB of JSON: 8 MiB is two dozen
# series at full resolution (a chart draws ten). A query that is not aggregated
# (`rate(x[5m])` over every pod) can answer thousands, gigabytes once decoded: refused
# as that chart's gap while it is read, before it is parsed.
MAX_ANSWER_BYTES = 8 << 20


class PrometheusClient:
    """One Prometheus server (`PROMETHEUS_URL`) and the charts to ask it for (`queries`)."""

    def __init__(
        self,
        base_url: str,
        queries: Catalog,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # What errors (and so the report's data gaps) name: without the user and password
        # of a Prometheus behind basic auth (`http://bot:secret@prometheus:9090`).
        self.shown_url = str(httpx.URL(self.base_url).copy_with(userinfo=b""))
        self.queries = queries
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json"},
        )

    def query_range(
        self, expr: str, start: datetime, end: datetime, step: timedelta
    ) -> tuple[Series, ...]:
        """`expr` evaluated every `step` over [start, end] (`/api/v1/query_range`)."""
        params = {
            "query": expr,
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
            "step": f"{step.total_seconds():g}",
        }
        return answers.matrix(self._get("/api/v1/query_range", params, one_query=True))

    def retention(self) -> timedelta | None:
        """How far back samples are kept (`/api/v1/status/runtimeinfo`, Prometheus ≥ 2.14)."""
        return answers.retention(self._get("/api/v1/status/runtimeinfo", {}))

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, params: dict[str, str], *, one_query: bool = False) -> Any:
        """`one_query`: a slow answer is that query's failure (a heavy expression over a
        long window), not Prometheus down; the cheap `retention` asked first tells that."""
        try:
            with self._http.stream("GET", path, params=params) as response:
                body = _bounded(response)
        except httpx.ReadTimeout as error:
            if not one_query:
                raise PrometheusUnavailable(
                    f"Prometheus at {self.shown_url} did not answer (ReadTimeout)"
                ) from error
            seconds = self._http.timeout.read
            raise QueryFailed(f"no answer within {seconds:g} s (a heavy query?)") from error
        except httpx.HTTPError as error:
            raise PrometheusUnavailable(
                f"Prometheus at {self.shown_url} did not answer ({type(error).__name__})"
            ) from error
        try:
            return json.loads(body)
        except ValueError:
            failed = PrometheusUnavailable if response.status_code >= 500 else PrometheusError
            raise failed(
                f"Prometheus at {self.shown_url} answered HTTP {response.status_code}, not its JSON"
            ) from None


def _bounded(response: httpx.Response) -> bytes:
    """The answer's body, read no further than `MAX_ANSWER_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise QueryFailed(
                f"the answer is over {MAX_ANSWER_BYTES >> 20} MiB (too many series: "
                "aggregate the query, e.g. sum by (service) (…))"
            )
        chunks.append(chunk)
    return b"".join(chunks)
