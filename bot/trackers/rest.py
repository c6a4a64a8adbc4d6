"""What the trackers' REST clients share: one httpx client, JSON answers, refusals typed.

A subclass names itself (`name`, said in every message), says what a refused answer
means (`_refusal`), and calls `_call`; a failure to connect is `TrackerUnavailable`, an
answer that is no JSON a `TrackerError`. Nothing is retried here, so a person waiting
on a click or a publish hears at once what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import httpx

from bot.trackers.errors import TrackerError, TrackerUnavailable


class RestTracker:
    name = "The tracker"

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str],
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"User-Agent": "postmortem-bot", **headers},
            auth=auth,
            transport=transport,
            timeout=timeout,
        )
        self._now = clock or (lambda: datetime.now(UTC))

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

    def _retry_after(self, response: httpx.Response) -> datetime | None:
        """When `Retry-After` (in seconds) says to try again, if it does."""
        after = response.headers.get("retry-after", "").strip()
        return self._now() + timedelta(seconds=int(after)) if after.isdigit() else None
