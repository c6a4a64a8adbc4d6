"""Per-method rate limits, Slack style: a budget of calls per window, per key.

Tiers follow Slack's published method catalogue (Tier 1: 1+/min, Tier 2: 20+/min,
Tier 3: 50+/min, Tier 4: 100+/min). `chat.postMessage` is "special": about one
message per second per channel, so its key is the method plus the channel.
The window is one minute in Slack; here it is configurable so tests and
benchmarks can run with a one-second window and the same call budgets.

The limiter keeps a sliding log of accepted calls per key; rejected calls do
not count against the budget.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TIER_1 = 1
TIER_2 = 20
TIER_3 = 50
TIER_4 = 100
POST_MESSAGE_PER_CHANNEL = 60  # one per second, over a 60-second window

SLACK_METHOD_LIMITS: dict[str, int] = {
    "auth.test": TIER_4,  # "special", generous
    "chat.delete": TIER_3,
    "chat.getPermalink": TIER_4,  # "special", hundreds per minute
    "chat.postEphemeral": TIER_4,
    "chat.postMessage": POST_MESSAGE_PER_CHANNEL,
    "chat.update": TIER_3,
    "conversations.history": TIER_3,
    "conversations.info": TIER_3,
    "conversations.join": TIER_3,
    "conversations.members": TIER_4,
    "conversations.open": TIER_3,
    "conversations.replies": TIER_3,
    "files.completeUploadExternal": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "pins.list": TIER_2,
    "reactions.add": TIER_3,
    "reactions.get": TIER_3,
    "users.info": TIER_4,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
}

PER_CHANNEL_METHODS = frozenset({"chat.postMessage"})

PAGERDUTY_LIMIT = 960  # requests per minute per API key

# Slack's limit since 2025 for apps distributed outside the Marketplace (and new
# unlisted ones): these two methods, one request per minute each, 15 messages a page.
HISTORY_METHODS = frozenset({"conversations.history", "conversations.replies"})
HISTORY_PAGE_SIZE = 15


@dataclass(frozen=True)
class HistoryLimit:
    """The non-Marketplace limit on reading history: one call of each method in
    `HISTORY_METHODS` per `seconds` per workspace (60 in Slack; a test takes a few), at
    most `page_size` messages an answer whatever `limit` asked. A call over it is
    answered as Slack does: HTTP 429, `ratelimited`, and the seconds to wait in
    Retry-After; an app learns the limit from that alone."""

    seconds: float = 60.0
    page_size: int = HISTORY_PAGE_SIZE

    def limiter(self) -> RateLimiter:
        return RateLimiter(self.seconds)

    def page(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """`params` with the page size cut to the limit's, for the methods it limits."""
        if method not in HISTORY_METHODS:
            return params
        asked = params.get("limit")
        try:
            size = min(int(asked), self.page_size) if asked not in (None, "") else self.page_size
        except (TypeError, ValueError):
            return params  # the method refuses it as Slack would
        return {**params, "limit": size}


def slack_limits(overrides: bool | Mapping[str, int | None]) -> dict[str, int | None]:
    """The effective table: `True` = Slack's tiers, `False` = none, a mapping = tiers + overrides."""
    if overrides is False:
        return {}
    table: dict[str, int | None] = dict(SLACK_METHOD_LIMITS)
    if isinstance(overrides, Mapping):
        table.update(overrides)
    return table


def rate_key(method: str, channel: str | None) -> str:
    """The bucket a call counts against."""
    if method in PER_CHANNEL_METHODS:
        return f"{method}:{channel or ''}"
    return method


def floor_seconds(limit: int | None, calls: int, window: float) -> float:
    """Least wall time for `calls` calls into one bucket of `limit` per `window`."""
    if not limit or calls <= limit:
        return 0.0
    return (math.ceil(calls / limit) - 1) * window


class RateLimiter:
    """Sliding-window call log per key; thread-safe on its own."""

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.window = window_seconds
        self._clock = clock
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, limit: int | None) -> float | None:
        """Count one call; None if allowed, else the seconds until a slot frees up."""
        if limit is None:
            return None
        now = self._clock()
        with self._lock:
            log = self._log.setdefault(key, deque())
            while log and log[0] <= now - self.window:
                log.popleft()
            if len(log) < limit:
                log.append(now)
                return None
            if not log:  # a limit of 0: the method is closed for the whole window
                return self.window
            return max(log[0] + self.window - now, 0.0)

    def remaining(self, key: str, limit: int) -> int:
        """Calls left in the current window for `key`."""
        now = self._clock()
        with self._lock:
            log = self._log.get(key, deque())
            used = sum(1 for at in log if at > now - self.window)
        return max(limit - used, 0)

    def reset(self) -> None:
        with self._lock:
            self._log.clear()


def retry_after_header(wait_seconds: float) -> str:
    """Whole seconds, at least 1: slack_sdk's retry handler parses it with `int()`."""
    return str(max(1, math.ceil(wait_seconds)))
