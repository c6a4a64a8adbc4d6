"""`Sandbox`: the Slack and PagerDuty stand-ins on one local HTTP port.

with Sandbox(rate_window_seconds=1.0) as sb:
    sb.slack.add_channel("C0INC", "inc-checkout", members=["U0ALICE"])
    ...point the bot at sb.slack_api_url and sb.pagerduty_api_url...
    sb.wait_for(lambda: sb.slack.call_count("chat.postMessage") >= 1)
    sb.latency.hold("users.info")  # answered once released (see `bot.sandbox.latency`)

`sb.slack` is the workspace the app starts installed in; `sb.authorize_install`
adds others the way Slack's OAuth v2 does (see `bot.sandbox.slack_oauth`).
`sb.socket_mode` is the app's Socket Mode (`bot.sandbox.socket_mode`): the WebSocket
server behind `apps.connections.open`.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from bot.sandbox.latency import Latency
from bot.sandbox.pagerduty_api import PagerDutyState
from bot.sandbox.rate_limits import PAGERDUTY_LIMIT, HistoryLimit, RateLimiter
from bot.sandbox.server import Route, Router, ServerThread
from bot.sandbox.slack_oauth import SlackInstalls
from bot.sandbox.slack_state import SlackWorkspace
from bot.sandbox.socket_mode import SocketMode

T = TypeVar("T")

SIGNING_SECRET = "sandbox-signing-secret"
PAGERDUTY_WEBHOOK_SECRET = "sandbox-pagerduty-secret"


class Sandbox:
    """A local Slack Web API + PagerDuty REST API; `start()`/`stop()` or use as a context."""

    signing_secret = SIGNING_SECRET
    pagerduty_webhook_secret = PAGERDUTY_WEBHOOK_SECRET

    def __init__(
        self,
        rate_window_seconds: float = 60.0,
        rate_limits: bool | Mapping[str, int | None] = True,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        pagerduty_rate_limit: int | None = PAGERDUTY_LIMIT,
        trigger_ttl_seconds: float | None = None,
        history_limit: HistoryLimit | None = None,
    ) -> None:
        self._state = threading.Condition(threading.RLock())
        self.limiter = RateLimiter(rate_window_seconds)
        self._rate_limits, self._ids = rate_limits, itertools.count(1)
        self.slack = SlackWorkspace(self._state, self.limiter, rate_limits, ids=self._ids)
        self.slack.trigger_ttl_seconds = trigger_ttl_seconds
        self.installs = SlackInstalls(self.slack, self._state, self._new_team)
        pd_limit = None if rate_limits is False else pagerduty_rate_limit
        self.pagerduty = PagerDutyState(self._state, self.limiter, pd_limit)
        self._host, self._port = host, port
        self._server: ServerThread | None = None
        self._mounts: dict[str, Route] = {}
        self.latency = Latency(changed=self._changed)
        # Slack's 2025 limit for apps outside the Marketplace (`HistoryLimit`), if set.
        self.history_limit = history_limit
        # The app's Socket Mode connections (one app, whichever workspace an envelope is from).
        self.socket_mode = SocketMode(self.slack.app_id, host=host)

    def start(self) -> Sandbox:
        if self._server is None:
            self.socket_mode.start()
            router = Router(
                self.installs,
                self.pagerduty,
                self._mounts,
                self.latency,
                self.socket_mode,
                history_limit=self.history_limit,
            )
            self._server = ServerThread(self._host, self._port, router)
            self._server.start()
            for ws in self.installs.teams.values():
                ws.base_url = self.base_url
        return self

    def mount(self, prefix: str, route: Route) -> None:
        """Serve requests whose path starts with `prefix` with `route` (called without the
        sandbox lock held, so it may wait on the bot); e.g. `bot.sandbox.control`'s."""
        self._mounts[prefix] = route

    def stop(self) -> None:
        if self._server is not None:
            self.socket_mode.stop()
            self._server.stop()
            self._server = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return f"http://{self._server.host}:{self._server.port}"

    @property
    def slack_api_url(self) -> str:
        """The value for SLACK_API_URL (slack_sdk appends the method name)."""
        return f"{self.base_url}/api/"

    @property
    def pagerduty_api_url(self) -> str:
        """The value for PAGERDUTY_API_URL."""
        return f"{self.base_url}/pagerduty"

    def authorize_install(self, team_id: str, team_name: str, **grant: Any) -> str:
        """An admin of `team_id` (a new workspace unless known) approves installing the app;
        returns the code Slack would send to the redirect URL. See `SlackInstalls.authorize`."""
        return self.installs.authorize(team_id, team_name, **grant)

    def team(self, team_id: str) -> SlackWorkspace:
        """A workspace by id: `slack` itself, or one made by `authorize_install`."""
        return self.installs.team(team_id)

    def refusals(self) -> list[dict[str, Any]]:
        """Every payload any workspace refused for breaking Slack's limits, with its team_id;
        the scenario tests' teardown expects none unless the test says otherwise."""
        with self._state:
            teams = list(self.installs.teams.values())
            return [dict(r, team_id=ws.team_id) for ws in teams for r in ws.refusals]

    def _new_team(self, team_id: str, team_name: str) -> SlackWorkspace:
        # Slack limits each workspace separately, so each gets its own limiter.
        limiter = RateLimiter(self.limiter.window)
        ws = SlackWorkspace(
            self._state, limiter, self._rate_limits, team=(team_id, team_name), ids=self._ids
        )
        ws.base_url, ws.trigger_ttl_seconds = self.slack.base_url, self.slack.trigger_ttl_seconds
        return ws

    def _changed(self) -> None:
        with self._state:
            self._state.notify_all()

    def poll(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Like `wait_for`, for a condition on the bot's database: checked every 50 ms
        WITHOUT the state lock. Under the lock, a read that waits for the bot's SQLite
        write lock deadlocks with a bot that holds it while it calls this sandbox (the
        call waits for the lock until the bot's Slack client times out, 30 s)."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition still false after {timeout}s")
            time.sleep(0.05)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Re-check `predicate` (under the state lock) whenever state changes; return its value.

        Raises TimeoutError if it is still falsy after `timeout` seconds. It is
        also re-checked every 50 ms, so it may look at things outside the sandbox.
        """
        deadline = time.monotonic() + timeout
        with self._state:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"sandbox condition still false after {timeout}s")
                self._state.wait(min(remaining, 0.05))
