"""Reading a channel's past from the Web API, a page at a time.

`pages` walks `conversations.history` newest first with the largest page Slack
allows and, after each history page, the replies of the threads on it that have
any: one `conversations.replies` walk per thread with `reply_count > 0`, never one
per message. 429s are waited out by the client's RateLimitErrorRetryHandler
(`bot.clients.build_client`), unless the client was given none (a backfill, which
pauses instead: `Walk` says where it stopped); any other refusal is raised as
`SlackApiError`.

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
from dataclasses import asdict, dataclass, field
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


def walk_pages(client: WebClient, walk: Walk, *, ahead: int | None = None) -> Iterator[Page]:
    """`walk`'s pages, read ahead as `pages` does; once a call is refused, `walk` says
    what to ask next (every page before the refusal has been handed over by then)."""
    ahead = READ_AHEAD if ahead is None else ahead
    return read_ahead(walk.pages(client), ahead) if ahead > 0 else walk.pages(client)


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
    walk = Walk(channel, oldest=oldest, latest=latest, skip_threads=tuple(skip_threads))
    yield from walk.pages(client)


@dataclass
class Walk:
    """Where a walk of a channel's history stands, one Web API call at a time.

    It moves on only once a call succeeded, so after a refusal (a 429 above all) it
    still says what to ask next: the history page after `history_cursor`, then the
    replies of `threads` (the current page's, still to read; the first from
    `thread_cursor`). `state`/`from_state` keep it as plain JSON values, so a backfill
    paused by Slack's rate limit resumes with the very call that was refused, later and
    elsewhere (`bot.flows.channel_history`), and reads nothing twice."""

    channel: str
    oldest: str | None = None
    latest: str | None = None
    skip_threads: tuple[str, ...] = ()
    history_cursor: str | None = None
    history_done: bool = False
    threads: list[str] = field(default_factory=list)
    thread_cursor: str | None = None

    def pages(self, client: WebClient) -> Iterator[Page]:
        while (page := self.step(client)) is not None:
            yield page

    def step(self, client: WebClient) -> Page | None:
        """The next page (one call, two when a thread is gone); None once all is read."""
        while self.threads:
            page = self._replies(client, self.threads[0])
            if page is not None:
                return page
        if self.history_done:
            return None
        return self._history(client)

    def _history(self, client: WebClient) -> Page:
        params: dict[str, Any] = {"channel": self.channel, "limit": HISTORY_LIMIT}
        bounds = {k: ts for k, ts in (("oldest", self.oldest), ("latest", self.latest)) if ts}
        if bounds:
            params.update(bounds, inclusive=True)
        if self.history_cursor:
            params["cursor"] = self.history_cursor
        answer = client.conversations_history(**params)
        messages = list(answer.get("messages") or [])
        self.history_cursor = _next_cursor(answer)
        self.history_done = self.history_cursor is None
        self.threads = [
            m["ts"]
            for m in messages
            if m.get("reply_count", 0) > 0 and m["ts"] not in self.skip_threads
        ]
        return Page(messages)

    def _replies(self, client: WebClient, thread_ts: str) -> Page | None:
        """A page of the thread's replies; None when the thread was deleted meanwhile."""
        params: dict[str, Any] = {"channel": self.channel, "ts": thread_ts}
        params["limit"] = REPLIES_LIMIT
        first = self.thread_cursor is None
        if not first:
            params["cursor"] = self.thread_cursor
        try:
            answer = client.conversations_replies(**params)
        except SlackApiError as error:
            if error.response.get("error") != "thread_not_found":
                raise
            self._thread_read()
            return None
        replies = [m for m in answer.get("messages") or [] if m.get("ts") != thread_ts]
        self.thread_cursor = _next_cursor(answer)
        if self.thread_cursor is None:
            self._thread_read()
        return Page(replies, thread_ts=thread_ts, starts_thread=first)

    def _thread_read(self) -> None:
        self.threads.pop(0)
        self.thread_cursor = None

    def state(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Walk:
        """A walk from `state`; ValueError (or TypeError, KeyError) if it is not one."""
        walk = cls(
            channel=str(state["channel"]),
            oldest=_text_or_none(state.get("oldest")),
            latest=_text_or_none(state.get("latest")),
            skip_threads=tuple(str(ts) for ts in state.get("skip_threads") or ()),
            history_cursor=_text_or_none(state.get("history_cursor")),
            history_done=bool(state.get("history_done")),
            threads=[str(ts) for ts in state.get("threads") or ()],
            thread_cursor=_text_or_none(state.get("thread_cursor")),
        )
        return walk


def _next_cursor(answer: Any) -> str | None:
    cursor = (answer.get("response_metadata") or {}).get("next_cursor")
    return str(cursor) if answer.get("has_more") and cursor else None


def _text_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


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
