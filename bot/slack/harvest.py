"""Reading a channel's past from the Web API, a page at a time.

`pages` walks `conversations.history` newest first with the largest page Slack
allows and, after each history page, the replies of the threads on it that have
any: one `conversations.replies` walk per thread with `reply_count > 0`, never one
per message. 429s are waited out by the client's RateLimitErrorRetryHandler
(`bot.clients.build_client`); any other refusal is raised as `SlackApiError`.

Reading ahead: while the caller files one page, a thread of the harvest already asks
Slack for the next (`READ_AHEAD` pages at most wait for the caller), so the database
writes overlap Slack's answers and rate-limit waits instead of adding to them. The
calls are the same ones in the same order from one thread, so the rate budget is
spent as before; memory stays a few pages whatever the channel's size. A refusal
reaches the caller where it happened, after every page read before it.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from queue import Empty, Full, Queue
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.spoken import Message

HISTORY_LIMIT = 999
REPLIES_LIMIT = 1000
# Pages read and waiting for the caller, besides the one the reader is asking for.
READ_AHEAD = 2
# How often a reader whose caller has gone checks that it should stop.
_STOP_CHECK_SECONDS = 0.1

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """Messages from one Web API answer; `thread_ts` is set for a page of thread replies."""

    messages: list[Message]
    thread_ts: str | None = None
    starts_thread: bool = False


def pages(
    client: WebClient,
    channel: str,
    *,
    oldest: str | None = None,
    latest: str | None = None,
    skip_threads: Collection[str] = (),
    ahead: int | None = None,
) -> Iterator[Page]:
    """History pages from `oldest` to `latest` (both inclusive; None: to now), newest first,
    each followed by its threads' replies
    (except the threads in `skip_threads`), read up to `ahead` (default `READ_AHEAD`) pages
    ahead; 0 reads each page only when asked for it.

    Give the client to nothing else until the iteration ends (it is read on another thread)."""
    walk = _pages(client, channel, oldest=oldest, latest=latest, skip_threads=skip_threads)
    ahead = READ_AHEAD if ahead is None else ahead
    return read_ahead(walk, ahead) if ahead > 0 else walk


def read_ahead(source: Iterator[T], ahead: int) -> Iterator[T]:
    """What `source` yields, in its order, while a thread reads at most `ahead` items ahead.

    The thread starts at the first item asked for. What `source` raises is raised here,
    after the items before it. When the caller stops early (an error of its own, a
    `close`), the thread stops at its next item."""
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=ahead)
    stopped = threading.Event()
    threading.Thread(
        target=_read, args=(source, queue, stopped), name="harvest-read-ahead", daemon=True
    ).start()
    try:
        while True:
            is_item, value = queue.get()
            if not is_item:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stopped.set()
        _drain(queue)


def _read(source: Iterator[Any], queue: Queue[tuple[bool, Any]], stopped: threading.Event) -> None:
    """The reading thread: each item, then the end (or what stopped it), handed over in turn."""
    try:
        for item in source:
            if not _hand_over(queue, stopped, (True, item)):
                return
    except BaseException as error:  # the caller's to handle, where it happened
        _hand_over(queue, stopped, (False, error))
    else:
        _hand_over(queue, stopped, (False, None))


def _hand_over(queue: Queue[tuple[bool, Any]], stopped: threading.Event, item: Any) -> bool:
    """Queue `item` once there is room; False if the caller went away first."""
    while not stopped.is_set():
        try:
            queue.put(item, timeout=_STOP_CHECK_SECONDS)
            return True
        except Full:
            continue
    return False


def _drain(queue: Queue[tuple[bool, Any]]) -> None:
    """Drop what was read ahead for a caller that has gone."""
    while True:
        try:
            queue.get_nowait()
        except Empty:
            return


def _pages(
    client: WebClient,
    channel: str,
    *,
    oldest: str | None,
    latest: str | None,
    skip_threads: Collection[str],
) -> Iterator[Page]:
    for messages in history(client, channel, oldest=oldest, latest=latest):
        threads = [
            m["ts"] for m in messages if m.get("reply_count", 0) > 0 and m["ts"] not in skip_threads
        ]
        yield Page(messages)
        for thread_ts in threads:
            for index, replies in enumerate(thread(client, channel, thread_ts)):
                yield Page(replies, thread_ts=thread_ts, starts_thread=index == 0)


def history(
    client: WebClient, channel: str, *, oldest: str | None = None, latest: str | None = None
) -> Iterator[list[Message]]:
    """`conversations.history` pages from `oldest` to `latest` (both inclusive), newest first."""
    params: dict[str, Any] = {"channel": channel, "limit": HISTORY_LIMIT}
    bounds = {name: ts for name, ts in (("oldest", oldest), ("latest", latest)) if ts is not None}
    if bounds:
        params.update(bounds, inclusive=True)
    yield from _walk(client.conversations_history, params)


def thread(client: WebClient, channel: str, thread_ts: str) -> Iterator[list[Message]]:
    """The replies of one thread, oldest first, without the parent (history has it).

    A thread deleted between reading history and reading it has nothing left to read."""
    params: dict[str, Any] = {"channel": channel, "ts": thread_ts, "limit": REPLIES_LIMIT}
    try:
        for messages in _walk(client.conversations_replies, params):
            yield [m for m in messages if m.get("ts") != thread_ts]
    except SlackApiError as error:
        if error.response.get("error") != "thread_not_found":
            raise


def one_message(client: WebClient, channel: str, ts: str) -> Message | None:
    """The message at `ts`: a top-level one from history, else a thread reply; None if gone."""
    window: dict[str, Any] = {"channel": channel, "latest": ts, "oldest": ts, "inclusive": True}
    found = client.conversations_history(**window, limit=1)["messages"]
    if not found:
        try:
            found = client.conversations_replies(**window, ts=ts)["messages"]
        except SlackApiError as error:
            if error.response.get("error") != "thread_not_found":
                raise
    return next((m for m in found if m.get("ts") == ts), None)


def _walk(method: Any, params: dict[str, Any]) -> Iterator[list[Message]]:
    cursor: str | None = None
    while True:
        answer = method(**params, cursor=cursor) if cursor else method(**params)
        yield list(answer.get("messages") or [])
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if not answer.get("has_more") or not cursor:
            return
