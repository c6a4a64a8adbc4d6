"""Prometheus' HTTP API over httpx: a range query, and how long Prometheus keeps data.

No retries: a report is fetched when it is rendered, and a missing chart is stated as a
data gap, then fetched again at the next render. Every failure is a typed error
(`bot.prometheus.errors`) whose words go into that gap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.core.metrics import Series
from bot.prometheus import answers
from bot.prometheus.errors import PrometheusError, PrometheusUnavailable
from bot.prometheus.queries import Catalog

TIMEOUT_SECONDS = 10.0


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
        return answers.matrix(self._get("/api/v1/query_range", params))

    def retention(self) -> timedelta | None:
        """How far back samples are kept (`/api/v1/status/runtimeinfo`, Prometheus ≥ 2.14)."""
        return answers.retention(self._get("/api/v1/status/runtimeinfo", {}))

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, params: dict[str, str]) -> Any:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as error:
            raise PrometheusUnavailable(
                f"Prometheus at {self.base_url} did not answer ({type(error).__name__})"
            ) from error
        try:
            return response.json()
        except ValueError:
            failed = PrometheusUnavailable if response.status_code >= 500 else PrometheusError
            raise failed(
                f"Prometheus at {self.base_url} answered HTTP {response.status_code}, not its JSON"
            ) from None
