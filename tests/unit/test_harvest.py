"""Harvesting a channel's past through a real slack_sdk WebClient against the in-process sandbox."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox import Sandbox
from bot.slack import harvest

CHANNEL = "C0HARVEST"
ALICE, BOB = "U0ALICE", "U0BOB"
START = 1_700_000_000


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(rate_window_seconds=1.0, rate_limits=False) as sandbox:
        sandbox.slack.add_user(ALICE, "alice")
        sandbox.slack.add_user(BOB, "bob")
        sandbox.slack.add_channel(CHANNEL, "inc-harvest", members=(ALICE, BOB))
        yield sandbox


@pytest.fixture
def client(sb: Sandbox) -> WebClient:
    return WebClient(
        base_url=sb.slack_api_url,
        token=sb.slack.bot_token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=5)],
    )


def _post(sb: Sandbox, count: int, *, first: int = 0) -> list[str]:
    return [
        sb.slack.post_as_user(CHANNEL, ALICE, f"m{i}", ts=f"{START + i}.000100")["ts"]
        for i in range(first, first + count)
    ]


def _reply(sb: Sandbox, parent: str, count: int) -> list[str]:
    return [
        sb.slack.post_as_user(CHANNEL, BOB, f"r{i}", thread_ts=parent)["ts"] for i in range(count)
    ]


def _harvested(client: WebClient, **kwargs: str) -> list[harvest.Page]:
    return list(harvest.pages(client, CHANNEL, **kwargs))


def test_history_and_only_threads_with_replies_are_read_in_the_fewest_calls(
    sb: Sandbox, client: WebClient
) -> None:
    top = _post(sb, 2500)
    replies = _reply(sb, top[10], 1500) + _reply(sb, top[2000], 2) + _reply(sb, top[2499], 1)

    pages = _harvested(client)

    seen = [m["ts"] for page in pages for m in page.messages]
    assert sorted(seen) == sorted(top + replies), "every message and reply exactly once"
    history_calls = math.ceil(2500 / harvest.HISTORY_LIMIT)
    assert sb.slack.call_count("conversations.history") == history_calls
    # One walk per thread with replies; the 1,500-reply thread takes two pages of 1,000.
    assert sb.slack.call_count("conversations.replies") == 4
    asked = {c.params["ts"] for c in sb.slack.calls if c.method == "conversations.replies"}
    assert asked == {top[10], top[2000], top[2499]}
    assert {c.params["limit"] for c in sb.slack.calls if c.method == "conversations.history"} == {
        str(harvest.HISTORY_LIMIT)
    }
    assert sum(page.starts_thread for page in pages) == 3


def test_a_threads_replies_follow_the_history_page_that_holds_its_parent(
    sb: Sandbox, client: WebClient
) -> None:
    top = _post(sb, 3)
    _reply(sb, top[1], 2)

    pages = _harvested(client)

    assert [page.thread_ts for page in pages] == [None, top[1]]
    assert top[1] not in [m["ts"] for m in pages[1].messages], "the parent comes once, from history"


def test_oldest_is_inclusive_and_nothing_before_it_is_read(sb: Sandbox, client: WebClient) -> None:
    top = _post(sb, 10)

    pages = _harvested(client, oldest=top[4])

    assert sorted(m["ts"] for page in pages for m in page.messages) == top[4:]


def test_rate_limits_are_waited_out_with_retry_after(sb: Sandbox, client: WebClient) -> None:
    _post(sb, 1500)
    sb.slack.set_rate_limit("conversations.history", 1)

    pages = _harvested(client)

    assert sum(len(page.messages) for page in pages) == 1500
    statuses = [c.status for c in sb.slack.calls if c.method == "conversations.history"]
    assert statuses.count(200) == 2 and 429 in statuses


def test_a_channel_the_bot_cannot_read_raises_for_the_caller_to_record(
    sb: Sandbox, client: WebClient
) -> None:
    sb.slack.add_channel("C0PRIVATE", "secret", members=(ALICE,), bot_is_member=False)
    with pytest.raises(SlackApiError) as refused:
        list(harvest.pages(client, "C0PRIVATE"))
    assert refused.value.response["error"] == "not_in_channel"


def test_a_thread_gone_before_its_replies_are_read_yields_nothing(
    sb: Sandbox, client: WebClient
) -> None:
    assert list(harvest.thread(client, CHANNEL, f"{START}.999999")) == []


def test_one_message_finds_a_top_level_message_and_a_thread_reply(
    sb: Sandbox, client: WebClient
) -> None:
    top = _post(sb, 3)
    reply = _reply(sb, top[1], 2)[1]

    assert harvest.one_message(client, CHANNEL, top[1])["text"] == "m1"
    assert harvest.one_message(client, CHANNEL, reply)["text"] == "r1"
    assert harvest.one_message(client, CHANNEL, f"{START + 50}.000100") is None


def test_the_next_pages_are_read_while_the_caller_files_one_and_no_further(
    sb: Sandbox, client: WebClient
) -> None:
    _post(sb, 6 * harvest.HISTORY_LIMIT)

    reading = harvest.pages(client, CHANNEL, ahead=1)
    first = next(reading)

    # While the caller holds the first page, one page waits for it and one is in hand.
    sb.wait_for(lambda: sb.slack.call_count("conversations.history") == 3, timeout=10)
    time.sleep(0.3)
    assert sb.slack.call_count("conversations.history") == 3, "read ahead, but bounded"
    rest = list(reading)
    seen = [m["ts"] for page in [first, *rest] for m in page.messages]
    assert seen == sorted(seen, key=float, reverse=True), "newest first, in Slack's order"
    assert len(seen) == 6 * harvest.HISTORY_LIMIT


def test_a_caller_that_stops_early_stops_the_reading(sb: Sandbox, client: WebClient) -> None:
    _post(sb, 8 * harvest.HISTORY_LIMIT)

    for _page in harvest.pages(client, CHANNEL, ahead=1):
        break
    time.sleep(0.5)

    assert sb.slack.call_count("conversations.history") <= 3


def test_a_refusal_mid_way_reaches_the_caller_after_the_pages_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise RuntimeError("ratelimited for good")

    got: list[int] = []
    with pytest.raises(RuntimeError, match="for good"):
        for item in harvest.read_ahead(source(), 4):
            got.append(item)
    assert got == [1, 2]
