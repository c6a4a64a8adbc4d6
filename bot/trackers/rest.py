"""What the trackers' REST clients share: one httpx client, JSON answers, refusals typed.

A subclass names itself (`name`, said in every message), says what a refused answer
means (`_refusal`, with `_rate_limited` and `_unavailable` for the words they share and
`error_body` to read the refusal), and calls `_call`; a failure to connect is `TrackerUnavailable`, an
answer that is no JSON a `TrackerError`. Nothing is retried here, so a person waiting
on a click or a publish hears at once what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypedDict, Unpack

import httpx

from bot.trackers.errors import TrackerError, TrackerRateLimited, TrackerUnavailable


@dataclass(frozen=True)
class RateBudget:
    """What the tracker's last answer said is left of its rate limit (`X-RateLimit-Remaining`,
    `X-RateLimit-Reset`), for callers that pace themselves (the periodic sync); None: unsaid."""

    remaining: int | None = None
    reset_at: datetime | None = None


class RestOptions(TypedDict, total=False):
    """What every tracker client may be built with besides its site and credentials."""

    transport: httpx.BaseTransport | None
    timeout: float
    clock: Callable[[], datetime] | None


class RestTracker:
    name = "The tracker"

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str],
        auth: httpx.Auth | None = None,
        **options: Unpack[RestOptions],
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"User-Agent": "postmortem-bot", **headers},
            auth=auth,
            transport=options.get("transport"),
            timeout=options.get("timeout", 10.0),
        )
        self._now = options.get("clock") or (lambda: datetime.now(UTC))
        self.budget = RateBudget()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, method: str, path: str, target: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise TrackerUnavailable(
                f"{self.name} could not be reached ({type(error).__name__}); nothing was filed."
            ) from None
        self.budget = _budget(response)
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                raise TrackerError(
                    f"{self.name} answered with something that is not JSON."
                ) from None
        raise self._refusal(response, target)

    def _refusal(self, response: httpx.Response, target: str) -> TrackerError:
        raise NotImplementedError

    def _rate_limited(self, said: str, retry_at: datetime | None) -> TrackerRateLimited:
        when = f" after {retry_at:%H:%M} UTC" if retry_at else " later"
        return TrackerRateLimited(
            f"{self.name}'s rate limit is used up ({said}); try again{when}.", retry_at
        )

    def _unavailable(self, status: int, said: str) -> TrackerUnavailable:
        return TrackerUnavailable(f"{self.name} answered {status} ({said}); nothing was filed.")

    def _retry_after(self, response: httpx.Response) -> datetime | None:
        """When `Retry-After` (in seconds) says to try again, if it does."""
        after = response.headers.get("retry-after", "").strip()
        return self._now() + timedelta(seconds=int(after)) if after.isdigit() else None


def _budget(response: httpx.Response) -> RateBudget:
    remaining = response.headers.get("x-ratelimit-remaining", "").strip()
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    reset_at: datetime | None = None
    if reset.isdigit():  # GitHub: epoch seconds
        reset_at = datetime.fromtimestamp(int(reset), UTC)
    elif reset:  # Jira Cloud: an ISO 8601 timestamp
        try:
            reset_at = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            reset_at = None
    return RateBudget(int(remaining) if remaining.isdigit() else None, reset_at)


def error_body(response: httpx.Response) -> dict[str, Any] | None:
    """A refusal's JSON object, or None when it sent none."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
