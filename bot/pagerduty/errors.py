"""What the PagerDuty REST client raises.

    UpstreamError (bot.errors)
    └── PagerDutyError            PagerDuty refused a call or answered something unreadable
        ├── PagerDutyAuthError    401/403: the API token is wrong or may not read this
        ├── PagerDutyNotFound     404: no such incident for this token (also a NotFound,
        │                         so the Slack error hook shows its message to the person)
        ├── PagerDutyRateLimited  429 still answered after every retry
        └── PagerDutyUnavailable  5xx or no connection, still after every retry

Messages name the call and the status, never the token.
"""

from __future__ import annotations

from bot.errors import NotFound, UpstreamError


class PagerDutyError(UpstreamError):
    """A PagerDuty REST call failed in a way the client could not recover from."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PagerDutyAuthError(PagerDutyError):
    """401 or 403: check PAGERDUTY_API_TOKEN and what it may read."""


class PagerDutyNotFound(PagerDutyError, NotFound):
    """404: the incident does not exist, or this token cannot see it."""


class PagerDutyRateLimited(PagerDutyError):
    """429 after every retry the client was allowed."""


class PagerDutyUnavailable(PagerDutyError):
    """5xx or a network failure after every retry the client was allowed."""
