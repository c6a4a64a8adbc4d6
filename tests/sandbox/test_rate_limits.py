"""Per-method rate limits: 429 + Retry-After, honoured by slack_sdk's retry handler."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk.errors import SlackApiError

from bot.sandbox import Sandbox
from bot.sandbox.rate_limits import (
    SLACK_METHOD_LIMITS,
    TIER_2,
    TIER_3,
    HistoryLimit,
    RateLimiter,
    floor_seconds,
    retry_after_header,
)
from tests.sandbox.conftest import ALICE, INCIDENT, web_client


def _limited(window: float, limits: dict[str, int | None]) -> Sandbox:
    sandbox = Sandbox(rate_window_seconds=window, rate_limits=limits).start()
    sandbox.slack.add_user(ALICE, "alice")
    sandbox.slack.add_channel(INCIDENT, "inc", members=(ALICE,))
    sandbox.slack.add_channel("C0OTHER", "other", members=(ALICE,))
    return sandbox


def test_over_the_limit_answers_429_with_whole_second_retry_after() -> None:
    sb = _limited(60.0, {"conversations.history": 2})
    try:
        url = f"{sb.slack_api_url}conversations.history?channel={INCIDENT}"
        headers = {"Authorization": f"Bearer {sb.slack.bot_token}"}
        answers = [httpx.get(url, headers=headers) for _ in range(3)]
    finally:
        sb.stop()

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json() == {"ok": False, "error": "ratelimited"}
    retry_after = answers[2].headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    assert [c.status for c in sb.slack.calls] == [200, 200, 429]
    assert sb.slack.calls[2].error == "ratelimited"


def test_slack_sdk_without_a_retry_handler_sees_the_429() -> None:
    sb = _limited(60.0, {"users.info": 1})
    try:
        client = web_client(sb)
        client.users_info(user=ALICE)
        with pytest.raises(SlackApiError) as caught:
            client.users_info(user=ALICE)
    finally:
        sb.stop()
    assert caught.value.response.status_code == 429
    assert caught.value.response["error"] == "ratelimited"


def test_rate_limit_retry_handler_waits_out_retry_after_and_succeeds() -> None:
    sb = _limited(1.0, {"conversations.history": 2})
    try:
        client = web_client(sb, retries=3)
        answers = [client.conversations_history(channel=INCIDENT) for _ in range(3)]
    finally:
        sb.stop()

    assert all(answer["ok"] for answer in answers)
    assert [c.status for c in sb.slack.calls] == [200, 200, 429, 200]


def test_post_message_is_limited_per_channel() -> None:
    sb = _limited(60.0, {"chat.postMessage": 1})
    try:
        client = web_client(sb)
        client.chat_postMessage(channel=INCIDENT, text="one")
        client.chat_postMessage(channel="C0OTHER", text="elsewhere")
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel=INCIDENT, text="two")
    finally:
        sb.stop()
    assert caught.value.response.status_code == 429


def test_rate_limits_false_turns_every_limit_off() -> None:
    with Sandbox(rate_limits=False) as sb:
        sb.slack.add_channel(INCIDENT, "inc")
        client = web_client(sb)
        for _ in range(TIER_2 + 5):
            client.pins_list(channel=INCIDENT)
        assert {c.status for c in sb.slack.calls} == {200}


def test_default_tiers_follow_slacks_catalogue() -> None:
    with Sandbox() as sb:
        limits = sb.slack.limits
    assert limits["conversations.history"] == limits["conversations.replies"] == TIER_3
    assert limits["pins.list"] == TIER_2
    assert limits["chat.postMessage"] == 60
    assert set(SLACK_METHOD_LIMITS) >= {"views.open", "files.completeUploadExternal", "users.info"}


def test_rate_floor_seconds_is_the_least_wall_time_for_a_burst() -> None:
    with Sandbox(rate_window_seconds=60.0) as sb:
        assert sb.slack.rate_floor_seconds("conversations.history", 50) == 0.0
        assert sb.slack.rate_floor_seconds("conversations.history", 51) == 60.0
        assert sb.slack.rate_floor_seconds("conversations.history", 101) == 120.0
        sb.slack.set_rate_limit("conversations.history", None)
        assert sb.slack.rate_floor_seconds("conversations.history", 10_000) == 0.0
    assert floor_seconds(100, 1000, 1.0) == 9.0


def test_the_limiter_slides_its_window_and_names_the_wait() -> None:
    now = [100.0]
    limiter = RateLimiter(10.0, clock=lambda: now[0])

    assert limiter.acquire("m", 2) is None
    now[0] = 104.0
    assert limiter.acquire("m", 2) is None
    assert limiter.acquire("m", 2) == pytest.approx(6.0)
    now[0] = 110.5
    assert limiter.acquire("m", 2) is None, "the first call has left the window"
    assert limiter.remaining("m", 2) == 0
    assert retry_after_header(0.2) == "1" and retry_after_header(6.0) == "6"
    assert retry_after_header(6.01) == "7"


def test_a_method_limited_to_zero_answers_429_for_the_whole_window() -> None:
    limiter = RateLimiter(10.0, clock=lambda: 100.0)
    assert limiter.acquire("conversations.history", 0) == 10.0


def test_the_non_marketplace_limit_pages_15_and_allows_one_read_per_window_per_method() -> None:
    sb = Sandbox(history_limit=HistoryLimit(seconds=30.0)).start()
    try:
        sb.slack.add_user(ALICE, "alice")
        sb.slack.add_channel(INCIDENT, "inc", members=(ALICE,))
        root = sb.slack.post_as_user(INCIDENT, ALICE, "root")
        for n in range(40):
            sb.slack.post_as_user(INCIDENT, ALICE, f"note {n}")
        sb.slack.post_as_user(INCIDENT, ALICE, "reply", thread_ts=root["ts"])
        headers = {"Authorization": f"Bearer {sb.slack.bot_token}"}
        history = f"{sb.slack_api_url}conversations.history?channel={INCIDENT}&limit=999"
        replies = f"{sb.slack_api_url}conversations.replies?channel={INCIDENT}&ts={root['ts']}"
        first, second = httpx.get(history, headers=headers), httpx.get(history, headers=headers)
        thread = httpx.get(replies, headers=headers)
    finally:
        sb.stop()

    assert len(first.json()["messages"]) == 15 and first.json()["has_more"] is True
    assert second.status_code == 429 and second.json()["error"] == "ratelimited"
    assert 25 <= int(second.headers["Retry-After"]) <= 30
    assert thread.status_code == 200, "replies has a window of its own"
