"""The sandbox as a server: lifecycle, concurrency, waiting, response URLs, the demo."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from slack_sdk.webhook import WebhookClient

from bot.sandbox import Sandbox, serve_forever
from tests.sandbox.conftest import ALICE, INCIDENT, web_client


def test_the_sandbox_starts_and_stops_cleanly_again_and_again() -> None:
    ports = []
    for _ in range(5):
        with Sandbox() as sb:
            keep_alive = httpx.Client()
            assert keep_alive.get(f"{sb.base_url}/healthz").status_code == 200
            ports.append(sb.base_url)
        with pytest.raises(httpx.TransportError):
            keep_alive.get(f"{ports[-1]}/healthz")
        keep_alive.close()
    assert len(ports) == 5


def test_urls_are_what_the_bot_settings_expect() -> None:
    with Sandbox(port=0) as sb:
        assert sb.slack_api_url.startswith("http://127.0.0.1:") and sb.slack_api_url.endswith(
            "/api/"
        )
        assert sb.pagerduty_api_url == sb.base_url + "/pagerduty"
    with pytest.raises(RuntimeError, match="not running"):
        _ = sb.slack_api_url


def test_concurrent_callers_are_all_answered_and_recorded(sb: Sandbox) -> None:
    def post_ten(worker: int) -> list[str]:
        client = web_client(sb)
        return [
            client.chat_postMessage(channel=INCIDENT, text=f"{worker}-{i}")["ts"] for i in range(10)
        ]

    with ThreadPoolExecutor(max_workers=16) as pool:
        stamps = [ts for batch in pool.map(post_ten, range(16)) for ts in batch]

    assert len(set(stamps)) == 160
    assert len(sb.slack.messages(INCIDENT)) == 160
    assert sb.slack.call_count("chat.postMessage") == 160


def test_a_large_channel_harvests_completely_through_the_paginator(sb: Sandbox) -> None:
    for i in range(5000):
        sb.slack.post_as_user(INCIDENT, ALICE, f"line {i}")
    client = web_client(sb)

    texts = [
        m["text"]
        for page in client.conversations_history(channel=INCIDENT, limit=999)
        for m in page["messages"]
    ]

    assert len(texts) == 5000 and texts[0] == "line 4999" and texts[-1] == "line 0"
    assert sb.slack.call_count("conversations.history") == 6


def test_wait_for_wakes_on_a_change_and_returns_the_value(sb: Sandbox) -> None:
    timer = threading.Timer(0.1, lambda: sb.slack.post_as_user(INCIDENT, ALICE, "late"))
    timer.start()

    found = sb.wait_for(lambda: sb.slack.messages(INCIDENT), timeout=5.0)

    assert found[0]["text"] == "late"
    with pytest.raises(TimeoutError):
        sb.wait_for(lambda: sb.slack.call_count("views.open"), timeout=0.1)


def test_response_urls_take_five_posts_and_unknown_ones_expire(sb: Sandbox) -> None:
    url = sb.slack.new_response_url({"kind": "command", "command": "/postmortem", "text": "help"})
    hook = WebhookClient(url)

    statuses = [hook.send(text=f"answer {i}").status_code for i in range(6)]
    unknown = WebhookClient(sb.slack.response_url("nope")).send(text="x")

    assert statuses == [200] * 5 + [404]
    assert unknown.status_code == 404 and unknown.body == "expired_url"
    assert [r["body"]["text"] for r in sb.slack.responses] == [f"answer {i}" for i in range(5)]
    assert WebhookClient(url).send_dict({}).status_code in (400, 404)


def test_an_in_channel_response_is_posted_by_the_app(sb: Sandbox) -> None:
    url = sb.slack.new_response_url(
        {"kind": "command", "command": "/postmortem", "channel_id": INCIDENT}
    )
    WebhookClient(url).send(text="Post-mortem started", response_type="in_channel")
    WebhookClient(url).send(text="only you see this")

    assert [m["text"] for m in sb.slack.messages(INCIDENT)] == ["Post-mortem started"]
    assert sb.slack.messages(INCIDENT)[0]["bot_id"] == sb.slack.bot_id


class _Screen(io.StringIO):
    """Captures what serve_forever prints and says when the banner is complete."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "Ctrl-C" in self.getvalue():
            self.ready.set()
        return written


def test_serve_forever_prints_how_to_reach_it_and_stops_when_told() -> None:
    screen, stop = _Screen(), threading.Event()
    thread = threading.Thread(target=serve_forever, kwargs={"print_to": screen, "until": stop})
    thread.start()
    try:
        assert screen.ready.wait(10)
        settings = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in screen.getvalue().splitlines()
            if line.strip().startswith("export ")
        )
        history = httpx.get(
            f"{settings['SLACK_API_URL']}conversations.history",
            params={"channel": "C0INC0001"},
            headers={"Authorization": f"Bearer {settings['SLACK_BOT_TOKEN']}"},
        ).json()
    finally:
        stop.set()
        thread.join(timeout=5)

    assert not thread.is_alive()
    assert {
        "SLACK_SIGNING_SECRET",
        "PAGERDUTY_API_URL",
        "PAGERDUTY_API_TOKEN",
        "PAGERDUTY_WEBHOOK_SECRET",
    } <= set(settings)
    assert history["ok"] is True and len(history["messages"]) == 5
