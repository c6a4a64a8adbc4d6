"""Posting a message once across crashes: stamp it, and look for the stamp before posting again.

A flow that posts to Slack records its intent in the database first (a follow-up's
claim, a post-mortem without its opening message's ts, a report claimed for
publishing), then posts with Slack message metadata naming what the message is
(`Stamp`). If the process dies between Slack's answer and the record of its ts, the
next attempt finds the intent without a ts and calls `post(..., recover=True)`: the
conversation is searched for the stamp (`conversations.history`, or `.replies` in a
thread, with `include_all_metadata`), and the message found is adopted rather than
posted a second time.

The search is bounded by the intent's time when the caller gives it (`since`: the
message cannot be older than the record of the intent to post it): everything from
`since` less `MARGIN` (clocks differ) is read, however many messages a busy channel got
since, up to `SINCE_PAGES` pages. Without it (or with one ahead of the real clock: a
run told another time), the newest `PAGES` pages of `PAGE_SIZE` messages are read. Without history (a missing `*:history` scope) the message is posted
again, once, and that is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import limits

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
PAGES = 5
MARGIN = timedelta(minutes=5)  # between the database's clock and Slack's
SINCE_PAGES = 250  # 50,000 messages since the intent: a bound on a runaway channel

Message = dict[str, Any]


@dataclass(frozen=True)
class Stamp:
    """What a message is, as Slack message metadata: `event_type` and a small payload."""

    event_type: str
    payload: Mapping[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        return {"event_type": self.event_type, "event_payload": dict(self.payload)}

    def on(self, message: Message) -> bool:
        """Whether `message` carries this stamp."""
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") != self.event_type:
            return False
        found = metadata.get("event_payload") or {}
        return all(str(found.get(name)) == value for name, value in self.payload.items())

    def __str__(self) -> str:
        payload = ",".join(f"{name}={value}" for name, value in self.payload.items())
        return f"{self.event_type}({payload})"


@dataclass(frozen=True)
class Sent:
    ts: str
    recovered: bool  # found in Slack from an earlier attempt, not posted now


def post(
    client: WebClient,
    channel: str,
    stamp: Stamp,
    *,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    recover: bool = False,
    since: datetime | None = None,
    **options: Any,
) -> Sent:
    """Post the stamped message; with `recover`, first adopt one an earlier attempt posted
    (looked for from `since`, the intent's time, when given)."""
    if recover:
        found = find(client, channel, stamp, thread_ts=thread_ts, since=since)
        if found is not None:
            logger.info("adopted earlier post stamp=%s ts=%s", stamp, found["ts"])
            return Sent(str(found["ts"]), recovered=True)
    ts = limits.post_in_thread(
        client, channel, thread_ts, text, blocks, metadata=stamp.metadata(), **options
    )
    return Sent(ts, recovered=False)


def find(
    client: WebClient,
    channel: str,
    stamp: Stamp,
    *,
    thread_ts: str | None = None,
    since: datetime | None = None,
) -> Message | None:
    """The newest message carrying `stamp` (in `thread_ts`'s thread, if given; posted since
    `since`, if given); None if none is found or the conversation cannot be read. A rate
    limit is raised: nothing is known."""
    return find_where(client, channel, stamp.on, thread_ts=thread_ts, what=str(stamp), since=since)


def find_where(
    client: WebClient,
    channel: str,
    wanted: Callable[[Message], bool],
    *,
    thread_ts: str | None = None,
    what: str = "message",
    since: datetime | None = None,
) -> Message | None:
    """The newest message `wanted` accepts among those since `since` (else the newest
    pages); None if none or unreadable."""
    try:
        for messages in _pages(client, channel, thread_ts, since):
            for message in sorted(messages, key=lambda m: float(m.get("ts") or 0), reverse=True):
                if wanted(message):
                    return message
    except SlackApiError as error:
        if error.response.get("error") == "ratelimited":
            raise
        logger.warning(
            "cannot look for an earlier post what=%s error=%s", what, error.response.get("error")
        )
    return None


def _on_slacks_clock(since: datetime | None) -> datetime | None:
    """`since` as a bound Slack's timestamps can be read against, or None when it cannot
    be: an intent recorded on a clock ahead of the real one (`remind --at` a later time)
    would skip the very message it posted, so the newest pages are read instead."""
    if since is None:
        return None
    since = since if since.tzinfo else since.replace(tzinfo=UTC)  # SQLite's are naive
    return since if since <= datetime.now(UTC) else None


def _pages(
    client: WebClient, channel: str, thread_ts: str | None, since: datetime | None
) -> Iterator[list[Message]]:
    params: dict[str, Any] = {"channel": channel, "limit": PAGE_SIZE, "include_all_metadata": True}
    pages = PAGES
    since = _on_slacks_clock(since)
    if since is not None:
        params["oldest"] = f"{(since - MARGIN).timestamp():.6f}"
        pages = SINCE_PAGES
    method: Callable[..., Any] = client.conversations_history
    if thread_ts:
        method, params["ts"] = client.conversations_replies, thread_ts
    cursor: str | None = None
    for _ in range(pages):
        answer = method(**params, cursor=cursor) if cursor else method(**params)
        yield list(answer.get("messages") or [])
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if not answer.get("has_more") or not cursor:
            return
