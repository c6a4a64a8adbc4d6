"""Which failures are the world's, not the request's: answered 503, or retried later.

`unavailable`: something the bot cannot work without is not there (the database is
down, read-only or full; `bot.errors.Unavailable`). A request that meets it is not
acknowledged: the error hook answers 503, and Slack retries.

`retry_for`: what the inbox worker should do about a failure after the ack. Slack's 429
and 5xx, a connection that failed, the database or PagerDuty away: `Retry`, after the
delay Slack asked for (Retry-After) when it said one. None: not transient; the worker
still retries it with its backoff, and gives up after its attempts.
"""

from __future__ import annotations

import http.client

import httpx
from slack_sdk.errors import SlackApiError
from sqlalchemy import exc as db

from bot.errors import Unavailable
from bot.inbox import Retry
from bot.pagerduty.errors import PagerDutyRateLimited, PagerDutyUnavailable

# DatabaseError but not the request's own fault (a constraint, bad SQL, a bad value).
_NOT_INFRASTRUCTURE = (db.IntegrityError, db.ProgrammingError, db.DataError)
# `{"ok": false}` errors Slack documents as "try again later".
SLACK_TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def unavailable(error: BaseException) -> bool:
    """The database (or what else the bot needs) cannot be used right now."""
    if isinstance(error, Unavailable | db.TimeoutError | db.InterfaceError):
        return True
    if isinstance(error, db.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, db.DatabaseError) and not isinstance(error, _NOT_INFRASTRUCTURE)


def retry_for(error: BaseException) -> Retry | None:
    if isinstance(error, SlackApiError):
        return _slack_retry(error)
    if unavailable(error):
        return Retry(reason=f"database unavailable: {type(error).__name__}")
    if isinstance(error, PagerDutyUnavailable | PagerDutyRateLimited):
        return Retry(reason=f"PagerDuty: {error}")
    if isinstance(error, OSError | http.client.HTTPException | httpx.TransportError):
        return Retry(reason=f"connection failed: {type(error).__name__}: {error}")
    return None


def _slack_retry(error: SlackApiError) -> Retry | None:
    response = error.response
    status = getattr(response, "status_code", 200)
    code = response.get("error") if hasattr(response, "get") else None
    if status != 429 and status < 500 and code not in SLACK_TRANSIENT:
        return None
    return Retry(retry_after(response), reason=f"Slack answered {status} {code or ''}".strip())


def retry_after(response: object) -> float | None:
    """Slack's Retry-After, in seconds, when it sent one."""
    headers = getattr(response, "headers", None) or {}
    for name, value in dict(headers).items():
        if str(name).lower() == "retry-after":
            text = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(float(str(text)), 0.0)
            except ValueError:
                return None
    return None
