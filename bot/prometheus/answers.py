"""Prometheus' JSON answers read into `bot.core.metrics` values.

Every answer is `{"status": "success" | "error", "data": …, "errorType", "error"}`; a
range query's data is a `matrix`: `[{"metric": {labels}, "values": [[unix, "1.5"], …]}]`,
values as strings because JSON has no NaN or ±Inf (those samples are dropped here).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.metrics import Point, Series
from bot.prometheus.errors import PrometheusError, QueryFailed

_DURATION = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
_UNIT_SECONDS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}


def data_of(document: Any) -> Any:
    """The `data` of a successful answer; a refused query raises `QueryFailed` with
    Prometheus' own words, anything else `PrometheusError`."""
    if not isinstance(document, dict):
        raise PrometheusError("Prometheus answered something that is not its API's JSON.")
    if document.get("status") == "error":
        kind, words = document.get("errorType") or "error", document.get("error") or ""
        raise QueryFailed(f"{kind}: {words}".strip(": ")[:300])
    if document.get("status") != "success" or "data" not in document:
        raise PrometheusError("Prometheus' answer has no `status: success` and no data.")
    return document["data"]


def matrix(document: Any) -> tuple[Series, ...]:
    """A range query's series, each in time order without NaN or infinite samples."""
    data = data_of(document)
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        raise PrometheusError("Prometheus' range query answer is not a matrix.")
    result = data.get("result")
    if not isinstance(result, list):
        raise PrometheusError("Prometheus' matrix has no result list.")
    return tuple(_series(raw) for raw in result)


def _series(raw: Any) -> Series:
    if not isinstance(raw, dict) or not isinstance(raw.get("values"), list):
        raise PrometheusError("A series in Prometheus' matrix has no values.")
    metric = raw.get("metric") or {}
    if not isinstance(metric, dict):
        raise PrometheusError("A series in Prometheus' matrix has labels that are not an object.")
    labels = tuple(sorted((str(k), str(v)) for k, v in metric.items()))
    points = [point for pair in raw["values"] if (point := _point(pair)) is not None]
    return Series(labels=labels, points=tuple(sorted(points, key=lambda p: p.at)))


def _point(pair: Any) -> Point | None:
    try:
        at, text = pair
        value = float(text)
        moment = datetime.fromtimestamp(float(at), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise PrometheusError(
            f"Prometheus sent a sample that is not [time, value]: {pair!r:.60}"
        ) from None
    return None if math.isnan(value) or math.isinf(value) else Point(moment, value)


def retention(document: Any) -> timedelta | None:
    """How far back Prometheus keeps samples, from `status/runtimeinfo`'s `storageRetention`
    ("15d", "1y2w", "15d or 512MiB"); None when only a size limits it, or it is unsaid."""
    data = data_of(document)
    said = data.get("storageRetention") if isinstance(data, dict) else None
    if not isinstance(said, str):
        return None
    for part in said.split(" or "):
        seconds = duration_seconds(part.strip())
        if seconds:
            return timedelta(seconds=seconds)
    return None


def duration_seconds(text: str) -> float | None:
    """A Prometheus duration ("1d12h", "90s", "500ms") in seconds; None if it is not one."""
    if not text or _DURATION.sub("", text):
        return None
    total = 0.0
    for amount, unit in _DURATION.findall(text):
        total += int(amount) / 1000 if unit == "ms" else int(amount) * _UNIT_SECONDS[unit]
    return total
