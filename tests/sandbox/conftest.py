"""Sandbox fixtures: a running sandbox, a real slack_sdk client, and small stand-in apps.

`bolt_app` serves a real slack_bolt App over HTTP (so the Driver's signatures,
form bodies and payloads are checked by Bolt itself, and `respond()` /
`client.*` calls land on the sandbox); `recorder` is a bare HTTP endpoint that
keeps every request it gets, for checking raw headers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox import SIGNING_SECRET, Sandbox
from bot.sandbox.driver import Driver

INCIDENT = "C0INC"
ALICE, BOB, CARMEN = "U0ALICE", "U0BOB", "U0CARMEN"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A sandbox without rate limits, two people in an incident channel with the bot."""
    with Sandbox(rate_window_seconds=1.0, rate_limits=False) as sandbox:
        sandbox.slack.add_user(ALICE, "alice", real_name="Alice Chen", tz="America/Los_Angeles")
        sandbox.slack.add_user(BOB, "bob", real_name="Bob Okafor", tz="Europe/London")
        sandbox.slack.add_user(CARMEN, "carmen", tz="Asia/Tokyo")
        sandbox.slack.add_channel(INCIDENT, "inc-checkout", members=(ALICE, BOB))
        yield sandbox


def web_client(sandbox: Sandbox, *, token: str | None = None, retries: int = 0) -> WebClient:
    client = WebClient(base_url=sandbox.slack_api_url, token=token or sandbox.slack.bot_token)
    if retries:
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=retries))
    return client


@pytest.fixture
def client(sb: Sandbox) -> WebClient:
    return web_client(sb, retries=3)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalApp:
    """An HTTP endpoint on a free port that hands each request to `handle`."""

    handle: Callable[[Received], tuple[int, dict[str, str], bytes]]
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> LocalApp:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Received(self.path, dict(self.headers.items()), body)
                app.received.append(request)
                status, headers, answer = app.handle(request)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(answer))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def recorder() -> Iterator[LocalApp]:
    app = LocalApp(lambda request: (200, {}, b"")).start()
    yield app
    app.stop()


@pytest.fixture
def bolt(sb: Sandbox) -> Iterator[tuple[App, LocalApp]]:
    """A real Bolt app (token checked with auth.test on the sandbox) served over HTTP."""
    app = App(token=sb.slack.bot_token, signing_secret=SIGNING_SECRET, client=web_client(sb))

    def dispatch(request: Received) -> tuple[int, dict[str, str], bytes]:
        bolt_request = BoltRequest(body=request.body.decode(), headers=request.headers)
        response = app.dispatch(bolt_request)
        headers = {k: v[0] for k, v in response.headers.items()}
        return response.status, headers, response.body.encode()

    server = LocalApp(dispatch).start()
    yield app, server
    server.stop()


@pytest.fixture
def driver(sb: Sandbox, bolt: tuple[App, LocalApp]) -> Iterator[Driver]:
    with Driver(bolt[1].url, SIGNING_SECRET, sb, pagerduty_secret="pd-secret") as d:
        yield d
