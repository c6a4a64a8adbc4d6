"""PagerDuty's REST API (v2) over httpx: one incident and its log, for the timeline backfill.

A 429 is retried after `ratelimit-reset` seconds (or `Retry-After`); a 5xx or a lost
connection after an exponential back-off; both at most `max_retries` times. What is raised
when that is not enough, or at once for 401/403/404: see `bot.pagerduty.errors`.
The token goes into the Authorization header and nowhere else, logs included.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from bot.pagerduty.errors import (
    PagerDutyAuthError,
    PagerDutyError,
    PagerDutyNotFound,
    PagerDutyRateLimited,
    PagerDutyUnavailable,
)
from bot.pagerduty.log_entries import LogEntry, parse_log_entry
from bot.pagerduty.payloads import as_dict, one_line, text_of

logger = logging.getLogger(__name__)

ACCEPT = "application/vnd.pagerduty+json;version=2"
PAGE_SIZE = 100
# Classic pagination refuses any request whose offset + limit passes this.
OFFSET_CEILING = 10_000
MAX_WAIT_SECONDS = 120.0
MAX_BACKOFF_SECONDS = 30.0

Page = dict[str, Any]


class LogEntryStream(Iterator[LogEntry]):
    """An incident's log entries, fetched a page at a time as they are read.

    `truncated` turns True when reading stopped at PagerDuty's 10,000-entry pagination
    limit with entries still unread; check it after the loop to report the gap."""

    def __init__(self, fetch_page: Callable[[int], Page], incident_id: str) -> None:
        self.truncated = False
        self._entries = self._walk(fetch_page, incident_id)

    def __next__(self) -> LogEntry:
        return next(self._entries)

    def _walk(self, fetch_page: Callable[[int], Page], incident_id: str) -> Iterator[LogEntry]:
        offset = 0
        while True:
            page = fetch_page(offset)
            raw_entries = page.get("log_entries")
            if not isinstance(raw_entries, list):
                raise PagerDutyError(f"PagerDuty's log of incident {incident_id} has no entries.")
            for raw in raw_entries:
                yield _read_entry(raw, incident_id)
            # The API example omits `more`: absent means this was the last page.
            if page.get("more") is not True or not raw_entries:
                return
            offset += len(raw_entries)
            if offset + PAGE_SIZE > OFFSET_CEILING:
                self.truncated = True
                return


def _read_entry(raw: object, incident_id: str) -> LogEntry:
    try:
        return parse_log_entry(raw, incident_id)
    except ValueError as error:
        raise PagerDutyError(
            f"PagerDuty sent an unreadable log entry for incident {incident_id}: {error}"
        ) from error


@dataclass(frozen=True)
class _Retry:
    failure: PagerDutyError
    wait: float


class PagerDutyClient:
    """Reads incidents and their log entries with one API token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 5,
        timeout: float = 10.0,
    ) -> None:
        headers = {"Authorization": f"Token token={token}", "Accept": ACCEPT}
        self._http = httpx.Client(
            base_url=base_url, headers=headers, transport=transport, timeout=timeout
        )
        self._sleep = sleep
        self._max_retries = max_retries

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PagerDutyClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def get_incident(self, incident_id: str) -> dict[str, Any]:
        """The incident object (`id`, `title`, `status`, `created_at`, `html_url`, ...)."""
        what = f"incident {incident_id}"
        body = self._get(f"/incidents/{quote(incident_id, safe='')}", params={}, what=what)
        incident = body.get("incident")
        if not isinstance(incident, dict):
            raise PagerDutyError(f"PagerDuty's answer for {what} has no incident in it.")
        return incident

    def iter_log_entries(
        self, incident_id: str, *, since: datetime | None = None
    ) -> LogEntryStream:
        """Every log entry of the incident (from `since`, when given), read lazily."""
        path = f"/incidents/{quote(incident_id, safe='')}/log_entries"
        params: dict[str, str | int] = {"limit": PAGE_SIZE, "time_zone": "UTC"}
        if since is not None:
            params["since"] = since.astimezone(UTC).isoformat()

        def fetch_page(offset: int) -> Page:
            page_params = {**params, "offset": offset}
            return self._get(path, params=page_params, what=f"incident {incident_id}")

        return LogEntryStream(fetch_page, incident_id)

    def _get(self, path: str, *, params: dict[str, str | int], what: str) -> Page:
        response = self._send(path, params, what)
        try:
            body = response.json()
        except ValueError as error:
            raise PagerDutyError(
                f"PagerDuty answered for {what} with something not JSON."
            ) from error
        if not isinstance(body, dict):
            raise PagerDutyError(f"PagerDuty answered for {what} with something unexpected.")
        return body

    def _send(self, path: str, params: dict[str, str | int], what: str) -> httpx.Response:
        attempt = 0
        while True:
            outcome = self._attempt(path, params, what, attempt)
            if isinstance(outcome, httpx.Response):
                return outcome
            if attempt >= self._max_retries:
                raise outcome.failure
            logger.info(
                "pagerduty retry path=%s status=%s wait=%.1f attempt=%d",
                path,
                outcome.failure.status,
                outcome.wait,
                attempt + 1,
            )
            self._sleep(outcome.wait)
            attempt += 1

    def _attempt(
        self, path: str, params: dict[str, str | int], what: str, attempt: int
    ) -> httpx.Response | _Retry:
        try:
            response = self._http.get(path, params=params)
        except httpx.TransportError as error:
            unreachable = PagerDutyUnavailable(
                f"PagerDuty could not be reached for {what} ({type(error).__name__})."
            )
            unreachable.__cause__ = error
            return _Retry(unreachable, _backoff(attempt))
        if response.is_success:
            return response
        failure = _failure(response, what)
        if response.status_code == 429:
            return _Retry(failure, _rate_limit_wait(response.headers, attempt))
        if response.status_code >= 500:
            return _Retry(failure, _backoff(attempt))
        raise failure


def _failure(response: httpx.Response, what: str) -> PagerDutyError:
    status = response.status_code
    if status in (401, 403):
        return PagerDutyAuthError(
            f"PagerDuty refused the API token for {what} (HTTP {status}); "
            "check PAGERDUTY_API_TOKEN and what it may read.",
            status=status,
        )
    if status == 404:
        return PagerDutyNotFound(
            f"PagerDuty has no {what} that this API token can see.", status=status
        )
    if status == 429:
        return PagerDutyRateLimited(
            f"PagerDuty kept rate-limiting the requests for {what}.", status=status
        )
    if status >= 500:
        return PagerDutyUnavailable(
            f"PagerDuty failed to answer for {what} (HTTP {status}).", status=status
        )
    reason = _error_message(response)
    return PagerDutyError(
        f"PagerDuty refused the request for {what} (HTTP {status}{reason}).", status=status
    )


def _error_message(response: httpx.Response) -> str:
    """PagerDuty's own words from its error body (": Invalid Input Provided"), or ""."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = text_of(as_dict(as_dict(body).get("error")).get("message"))
    return f": {one_line(message, 120)}" if message else ""


def _rate_limit_wait(headers: httpx.Headers, attempt: int) -> float:
    """Seconds to wait: `ratelimit-reset` (PagerDuty's), then `Retry-After`, then back-off."""
    for seconds in (_seconds(headers.get("ratelimit-reset")), _retry_after(headers)):
        if seconds is not None:
            return min(seconds, MAX_WAIT_SECONDS)
    return _backoff(attempt)


def _seconds(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < float("inf") else None


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    seconds = _seconds(value)
    if seconds is not None or value is None:
        return seconds
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _backoff(attempt: int) -> float:
    return min(2.0**attempt, MAX_BACKOFF_SECONDS)
