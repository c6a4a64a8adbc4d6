"""Cursor pagination and time windows, as conversations.history/replies apply them.

Cursors are opaque to callers; like Slack's they are base64 of `next_ts:<micros>`
(the next message to return) or `user:<id>` for member lists.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.sandbox.slack_model import SlackFailure, ts_key


@dataclass(frozen=True)
class Window:
    """`oldest` / `latest` bounds in microseconds, and whether they are inclusive."""

    oldest: int | None
    latest: int | None
    inclusive: bool

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Window:
        return cls(
            oldest=_bound(params.get("oldest"), "invalid_ts_oldest"),
            latest=_bound(params.get("latest"), "invalid_ts_latest"),
            inclusive=truthy(params.get("inclusive")),
        )

    def span(self, keys: Sequence[int]) -> tuple[int, int]:
        """Indices [lo, hi) of the sorted `keys` inside the window."""
        lo, hi = 0, len(keys)
        if self.oldest is not None:
            lo = (bisect_left if self.inclusive else bisect_right)(keys, self.oldest)
        if self.latest is not None:
            hi = (bisect_right if self.inclusive else bisect_left)(keys, self.latest)
        return lo, max(lo, hi)


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _bound(value: Any, error: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        key = ts_key(value)
    except ValueError as exc:
        raise SlackFailure(error) from exc
    return key or None


def encode_cursor(kind: str, value: str | int) -> str:
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(cursor: Any, kind: str) -> str | None:
    """The value inside `cursor`, None when there is none; `invalid_cursor` if it is not ours."""
    if cursor in (None, ""):
        return None
    try:
        text = base64.b64decode(str(cursor), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise SlackFailure("invalid_cursor") from exc
    found, _, value = text.partition(":")
    if found != kind or not value:
        raise SlackFailure("invalid_cursor")
    return value


def _cursor_key(cursor: Any) -> int | None:
    value = decode_cursor(cursor, "next_ts")
    if value is None:
        return None
    if not value.isdigit():
        raise SlackFailure("invalid_cursor")
    return int(value)


def newest_first(
    keys: Sequence[int], window: Window, cursor: Any, limit: int
) -> tuple[list[int], str | None]:
    """A history page: up to `limit` keys, newest first, and the cursor to the next page."""
    lo, hi = window.span(keys)
    after = _cursor_key(cursor)
    if after is not None:
        hi = min(hi, bisect_right(keys, after))
    start = max(lo, hi - limit)
    page = list(reversed(keys[start:hi]))
    return page, encode_cursor("next_ts", keys[start - 1]) if start > lo else None


def oldest_first(
    keys: Sequence[int], window: Window, cursor: Any, limit: int
) -> tuple[list[int], str | None]:
    """A replies page: up to `limit` keys, oldest first, and the cursor to the next page."""
    lo, hi = window.span(keys)
    after = _cursor_key(cursor)
    if after is not None:
        lo = max(lo, bisect_left(keys, after))
    end = min(hi, lo + limit)
    page = list(keys[lo:end])
    return page, encode_cursor("next_ts", keys[end]) if end < hi else None


def page_response(body: dict[str, Any], next_cursor: str | None) -> dict[str, Any]:
    """Add `has_more` and, when there is more, `response_metadata.next_cursor`."""
    body["has_more"] = next_cursor is not None
    if next_cursor is not None:
        body["response_metadata"] = {"next_cursor": next_cursor}
    return body
