"""Bodies far past the limit cost the bot neither memory nor log: 413 (or 401) at once.

Before bot.http, an unsigned 20 MB POST grew the log by 19.5 MiB (Bolt logged the body
at INFO) and a 300 MB one took 1.93 GB of memory and 15.7 s of CPU before its 401.
"""

from __future__ import annotations

import time

import httpx
import pytest

from bot.sandbox.bot_process import BotProcess
from tests.security.wire import MIB, Footprint, chunked, raw_post, repeated

SLACK, PAGERDUTY = "/slack/events", "/pagerduty/webhook"
FORM = "application/x-www-form-urlencoded"
MAX_RSS_GROWTH_KB = 4 * 1024
MAX_SECONDS = 3.0


@pytest.fixture
def warm(bot: BotProcess) -> BotProcess:
    """A bot that has already refused a request, so its first-request setup is not counted."""
    for path in (SLACK, PAGERDUTY):
        httpx.post(bot.url + path, content=b"x", headers={"Content-Type": FORM})
    time.sleep(0.3)
    return bot


def _signed_looking() -> dict[str, str]:
    """Headers that pass the checks made before the body is read (the HMAC is wrong)."""
    return {
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }


def _assert_cheap(footprint: Footprint, seconds: float, reason: str) -> None:
    rss_kb, lines, size = footprint.growth()
    assert seconds < MAX_SECONDS
    assert rss_kb < MAX_RSS_GROWTH_KB, f"the bot grew by {rss_kb} kB"
    assert lines <= 1 and size < 300, footprint.new_log()
    assert f"reason={reason}" in footprint.new_log()
    assert "Traceback" not in footprint.new_log()


@pytest.mark.parametrize("path", [SLACK, PAGERDUTY])
def test_an_unsigned_20_mb_post_is_refused_by_its_length(warm: BotProcess, path: str) -> None:
    footprint = Footprint(warm).start()
    headers = {"Content-Type": FORM, "Content-Length": str(20 * MIB)}

    answer = raw_post(warm.url + path, headers, repeated(20 * MIB))

    assert answer.status == 413
    _assert_cheap(footprint, answer.seconds, "too_large")


@pytest.mark.parametrize("path", [SLACK, PAGERDUTY])
def test_a_declared_300_mb_post_is_refused_before_any_of_it_is_read(
    warm: BotProcess, path: str
) -> None:
    footprint = Footprint(warm).start()
    headers = {"Content-Type": FORM, "Content-Length": str(300 * 1000 * 1000)}

    answer = raw_post(warm.url + path, headers, repeated(MIB))

    assert answer.status == 413
    _assert_cheap(footprint, answer.seconds, "too_large")


def test_a_chunked_20_mb_post_is_read_no_further_than_the_limit(warm: BotProcess) -> None:
    footprint = Footprint(warm).start()
    headers = {"Content-Type": FORM, "Transfer-Encoding": "chunked", **_signed_looking()}

    answer = raw_post(warm.url + SLACK, headers, chunked(repeated(20 * MIB)))

    assert answer.status == 413
    _assert_cheap(footprint, answer.seconds, "too_large")


def test_a_chunked_20_mb_webhook_is_read_no_further_than_the_limit(warm: BotProcess) -> None:
    footprint = Footprint(warm).start()
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    headers["X-PagerDuty-Signature"] = "v1=" + "0" * 64

    answer = raw_post(warm.url + PAGERDUTY, headers, chunked(repeated(20 * MIB)))

    assert answer.status == 413
    _assert_cheap(footprint, answer.seconds, "too_large")


def test_an_unsigned_chunked_post_is_refused_before_its_body_is_read(warm: BotProcess) -> None:
    footprint = Footprint(warm).start()
    headers = {"Content-Type": FORM, "Transfer-Encoding": "chunked"}

    answer = raw_post(warm.url + SLACK, headers, chunked(repeated(20 * MIB)))

    assert answer.status == 401
    _assert_cheap(footprint, answer.seconds, "unsigned")


def test_a_body_just_under_the_limit_is_read_and_its_signature_checked(
    warm: BotProcess,
) -> None:
    footprint = Footprint(warm).start()
    headers = {"Content-Type": FORM, "Content-Length": str(MIB), **_signed_looking()}

    answer = raw_post(warm.url + SLACK, headers, repeated(MIB))

    assert answer.status == 401
    _assert_cheap(footprint, answer.seconds, "bad_signature")
