"""What can go wrong asking Prometheus, in words a report's data gaps can show."""

from __future__ import annotations

from bot.errors import UpstreamError


class PrometheusError(UpstreamError):
    """Prometheus answered something the bot could not use (not its API's shape)."""


class PrometheusUnavailable(PrometheusError):
    """No answer: refused, timed out, or a 5xx. The whole source is missing, not one query."""


class QueryFailed(PrometheusError):
    """Prometheus refused one query (`bad_data`, `execution`, `timeout`): its chart is missing."""
