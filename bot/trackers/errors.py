"""What a tracker's refusal means, in words for the person who asked.

Every one is an `UpstreamError`: the item it concerned keeps its state, and the person
is told privately what the tracker said and what would help.
"""

from __future__ import annotations

from datetime import datetime

from bot.errors import UpstreamError


class TrackerError(UpstreamError):
    """The tracker refused or could not be reached; the message says which and why."""


class TrackerAuthError(TrackerError):
    """401/403: the token is wrong, expired, or not allowed to file issues."""


class TrackerNotFound(TrackerError):
    """404: no such repository or project (or the token cannot see it)."""


class TrackerGone(TrackerNotFound):
    """The ticket itself cannot be asked about any more (GitHub's 410 for a deleted issue,
    a link that names no issue): asking again will not help."""


class TrackerRejected(TrackerError):
    """422 (or 400): the tracker would not take the ticket as sent."""


class TrackerRateLimited(TrackerError):
    """429, or GitHub's 403 with no requests left; `retry_at` is when to try again."""

    def __init__(self, message: str, retry_at: datetime | None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class TrackerUnavailable(TrackerError):
    """5xx, a timeout, or no connection: nothing was filed, try again later."""
