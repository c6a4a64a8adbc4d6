"""The sandbox's HTTP server: a threading stdlib server in a background thread.

Routes (all on one port):
    /api/<method>        the Slack Web API (GET or POST; query, form or JSON); the
                         bot token picks the workspace, oauth.v2.access needs none
    /upload/v1/<file>    where files_upload_v2 sends file bytes
    /response/<id>       response URLs handed to slash commands and actions
    /pagerduty/...       the PagerDuty REST API
    /_sandbox/...        when mounted (`postmortem-bot sandbox`): act as a person, see
                         `bot.sandbox.control`
Connections are kept alive (HTTP/1.1) and closed on `stop()`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.sandbox import slack_api, slack_files, slack_interactive
from bot.sandbox.latency import Latency
from bot.sandbox.pagerduty_api import PagerDutyState
from bot.sandbox.rate_limits import (
    HISTORY_METHODS,
    HistoryLimit,
    rate_key,
    retry_after_header,
)
from bot.sandbox.slack_model import SlackFailure
from bot.sandbox.slack_oauth import SlackInstalls
from bot.sandbox.slack_state import Call, SlackWorkspace
from bot.sandbox.socket_mode import SocketMode
from bot.sandbox.wire import (
    BadBody,
    Request,
    Response,
    basic_credentials,
    bearer_token,
    request_params,
)

SLACK_METHODS: dict[str, slack_api.Handler] = {
    **slack_api.METHODS,
    **slack_files.METHODS,
    **slack_interactive.METHODS,
}
Route = Callable[[Request], Response]


class Router:
    """Turns a Request into a Response; all state is touched under the sandbox lock."""

    def __init__(
        self,
        installs: SlackInstalls,
        pagerduty: PagerDutyState,
        mounts: Mapping[str, Route] | None = None,
        latency: Latency | None = None,
        socket_mode: SocketMode | None = None,
        history_limit: HistoryLimit | None = None,
    ) -> None:
        self.installs = installs
        # Slack's limit on reading history for apps outside the Marketplace, when set.
        self.history_limit = history_limit
        self._history_limiter = history_limit.limiter() if history_limit else None
        self.socket_mode = socket_mode
        self.latency = latency or Latency()
        self.slack = installs.first
        self.pagerduty = pagerduty
        self.mounts = mounts if mounts is not None else {}  # path prefix -> route (no lock held)

    def __call__(self, request: Request) -> Response:
        path = request.path
        for prefix, route in self.mounts.items():
            if path.startswith(prefix):
                return route(request)
        if path.startswith("/api/"):
            return self.slack_call(request, path[len("/api/") :])
        if path.startswith("/pagerduty"):
            with self.pagerduty.lock:
                return self.pagerduty.handle(request, path[len("/pagerduty") :])
        if path.startswith("/upload/v1/") and request.method == "POST":
            with self.slack.lock:
                ws = self.installs.owning(lambda team: path[11:] in team.uploads)
                status, text = slack_files.receive_upload(ws, path[11:], request.body)
                ws.record_call(Call("upload", {"file_id": path[11:]}, status, None, time.time()))
            return Response.text(status, text)
        if path.startswith("/response/") and request.method == "POST":
            return self.response_url(request, path[len("/response/") :])
        if path in ("/", "/healthz"):
            return Response.text(200, "postmortem-bot sandbox")
        return Response.text(404, "not found")

    def slack_call(self, request: Request, method: str) -> Response:
        self.latency.before(method)  # a slow or held method waits here, outside the lock
        try:
            params = request_params(request)
        except BadBody as bad:
            return Response.json(200, {"ok": False, "error": str(bad)})
        credentials = basic_credentials(request)
        token = bearer_token(request, params)
        with self.slack.lock:
            # Calls no installed token identifies are kept with the first workspace.
            ws = self.installs.by_token(token) or self.slack
            if method == "oauth.v2.access":
                status, body, headers = self._oauth_answer(params, credentials)
            elif method == "apps.connections.open":  # an app-level token, not a bot token
                status, body, headers = 200, self._connections_open(token), {}
            else:
                status, body, headers = self._slack_answer(ws, method, token, params)
            response = Response.json(status, body, headers)
            ws.record_call(Call(method, params, status, body.get("error"), time.time(), token))
        return response

    def _connections_open(self, token: str | None) -> dict[str, Any]:
        if self.socket_mode is None:
            return {"ok": False, "error": "internal_error"}  # a Router without Socket Mode
        return slack_api.apps_connections_open(token, self.socket_mode.open_url)

    def _oauth_answer(
        self, params: dict[str, Any], credentials: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            return 200, {"ok": True, **self.installs.exchange(params, credentials)}, {}
        except SlackFailure as failure:
            return 200, {"ok": False, "error": failure.error}, {}

    def _slack_answer(
        self, ws: SlackWorkspace, method: str, token: str | None, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if self.installs.by_token(token) is None:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        handler = SLACK_METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        channel = params.get("channel") or params.get("channel_id")
        wait = ws.limiter.acquire(rate_key(method, channel), ws.limits.get(method))
        if wait is None and self._history_limiter is not None and method in HISTORY_METHODS:
            wait = self._history_limiter.acquire(f"{ws.team_id}:{method}", 1)
        if self.history_limit is not None and wait is None:
            params = self.history_limit.page(method, params)
        if wait is not None:
            return (
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": retry_after_header(wait)},
            )
        try:
            return 200, {"ok": True, **handler(ws, params)}, {}
        except SlackFailure as failure:
            return 200, {"ok": False, "error": failure.error}, {}

    def response_url(self, request: Request, command_id: str) -> Response:
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            return Response.text(400, "invalid_payload")
        with self.slack.lock:
            ws = self.installs.owning(lambda team: command_id in team.response_contexts)
            status, text = slack_interactive.answer_response_url(ws, command_id, payload)
        return Response.text(status, text)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            response = self.server.router(Request(self.command, path, query, headers, body))
        except Exception:  # a sandbox bug: show it, and answer as Slack does when it breaks
            traceback.print_exc()
            response = Response.json(500, {"ok": False, "error": "internal_error"})
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox records calls instead of logging them."""


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        self.router = router
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class ServerThread:
    """Runs a SandboxHTTPServer on a background thread; start/stop are idempotent."""

    def __init__(self, host: str, port: int, router: Router) -> None:
        self._server = SandboxHTTPServer((host, port), router)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.host = host
        self.port = self._server.server_address[1]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
