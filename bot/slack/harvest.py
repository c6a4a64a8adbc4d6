"""Reading a channel's past from the Web API, a page at a time.

`pages` walks `conversations.history` newest first with the largest page Slack
allows and, after each history page, the replies of the threads on it that have
any: one `conversations.replies` walk per thread with `reply_count > 0`, never one
per message. Nothing is kept between pages, so memory does not grow with the
channel. 429s are waited out by the client's RateLimitErrorRetryHandler
(`bot.clients.build_client`); any other refusal is raised as `SlackApiError`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.spoken import Message

HISTORY_LIMIT = 999
REPLIES_LIMIT = 1000


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
    skip_threads: Collection[str] = (),
) -> Iterator[Page]:
    """History pages from `oldest` (inclusive) to now, each followed by its threads' replies
    (except the threads in `skip_threads`)."""
    for messages in history(client, channel, oldest=oldest):
        threads = [
            m["ts"] for m in messages if m.get("reply_count", 0) > 0 and m["ts"] not in skip_threads
        ]
        yield Page(messages)
        for thread_ts in threads:
            for index, replies in enumerate(thread(client, channel, thread_ts)):
                yield Page(replies, thread_ts=thread_ts, starts_thread=index == 0)


def history(
    client: WebClient, channel: str, *, oldest: str | None = None
) -> Iterator[list[Message]]:
    """`conversations.history` pages, newest first."""
    params: dict[str, Any] = {"channel": channel, "limit": HISTORY_LIMIT}
    if oldest is not None:
        params.update(oldest=oldest, inclusive=True)
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
