"""The HTTP face of the bot: one Starlette app with the contract's routes.

Bolt's own Starlette handler calls the synchronous `App.dispatch` on the event
loop, so one slow request stalls every other; here dispatch runs in the
thread pool and the loop stays free (see bench/ack_latency.py). The POST routes
are thin: `bot.http` bounds, verifies and parses each body before any code reads it.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import build_app, build_client
from bot.config import Settings
from bot.documents import page as report_page
from bot.errors import Unavailable, UpstreamError
from bot.http import pagerduty_requests, slack_requests
from bot.inbox import Worker
from bot.inbox.recording import runner_of
from bot.inbox.replay import SlackReplay
from bot.jobs import scheduler
from storage import schema
from storage.db import make_engine, make_sessionmaker

logger = logging.getLogger(__name__)
# The start-up checks raise what went wrong, and the CLI prints it once; slack_sdk
# would also log every failed attempt at ERROR, repeating it on stderr first.
_checks_logger = logging.getLogger(f"{__name__}.startup_checks")
_checks_logger.addHandler(logging.NullHandler())
_checks_logger.propagate = False
TOKEN_ADVICE = {
    "SLACK_BOT_TOKEN": "use the Bot User OAuth Token (xoxb-…) from the app's "
    "OAuth & Permissions page, reinstalling the app if it was revoked",
    "SLACK_APP_TOKEN": "use an app-level token (xapp-…) with the connections:write scope, "
    "from the app's Basic Information page",
}


def build_asgi(
    settings: Settings, *, engine: Engine, sessions: sessionmaker[Session], bolt: App | None
) -> Starlette:
    """Routes for `serve`; `bolt` is None in Socket Mode, where Slack does not call us."""

    async def slack_events(request: Request) -> Response:
        return await slack_requests.handle(request, bolt, settings.slack_signing_secret or "")

    async def slack_oauth(request: Request) -> Response:
        flow = bolt.oauth_flow
        bolt_request = to_bolt_request(request, b"")  # OAuth's redirects carry no body
        if request.url.path == flow.install_path:
            return to_starlette_response(
                await run_in_threadpool(flow.handle_installation, bolt_request)
            )
        return to_starlette_response(await run_in_threadpool(flow.handle_callback, bolt_request))

    async def pagerduty_webhook(request: Request) -> Response:
        return await pagerduty_requests.handle(
            request, settings.pagerduty_webhook_secrets, sessions
        )

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(_ping_database, engine)
        except Exception as error:
            logger.warning("healthz database check failed: %s", type(error).__name__)
            return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
        return JSONResponse({"ok": True, "database": "ok"})

    routes = [
        Route("/pagerduty/webhook", pagerduty_webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        report_page.route(settings, sessions),
    ]
    if bolt is not None:
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
        if bolt.oauth_flow is not None:
            routes.append(Route("/slack/install", slack_oauth, methods=["GET"]))
            routes.append(Route("/slack/oauth_redirect", slack_oauth, methods=["GET"]))
    return Starlette(routes=routes)


def _ping_database(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def run(settings: Settings, *, host: str, migrate: bool = False) -> None:
    """`postmortem-bot serve`: check the settings, take the port, check the database
    (upgrading its schema first with `migrate`) and Slack, then serve until stopped.

    A failed check raises a BotError that says what to do; a SQLite file that does
    not exist yet is not created by a refused start.
    """
    settings.check_for_serving()
    listener = _listen(host, settings.port)
    try:
        engine = make_engine(settings.database_url)
        if migrate:
            before, after = schema.upgrade(
                engine, token_encryption_key=settings.token_encryption_key
            )
            logger.info("database schema: %s -> %s", before or "empty", after)
        schema.ensure_current(engine)
        sessions = make_sessionmaker(engine)
        bolt = _connect_slack(settings, sessions)
        http_bolt = None if settings.socket_mode else bolt
        asgi = build_asgi(settings, engine=engine, sessions=sessions, bolt=http_bolt)
        _serve(settings, asgi, listener, sessions=sessions, bolt=bolt)
    finally:
        listener.close()


def _listen(host: str, port: int) -> socket.socket:
    """Bind the HTTP port first: a port in use is one clear error, not uvicorn's exit 1."""
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise Unavailable(
                f"port {port} on {host} is already in use: stop the program listening there "
                "or set PORT to a free port"
            ) from None
        raise Unavailable(
            f"cannot listen on {host}:{port} ({error.strerror or error}): check --host and PORT"
        ) from None
    return listener


def _connect_slack(settings: Settings, sessions: sessionmaker[Session]) -> App:
    """auth.test (and apps.connections.open in Socket Mode) before anything is served."""
    checks = build_client(settings, logger=_checks_logger)
    if settings.slack_bot_token:
        _ask_slack(settings, "SLACK_BOT_TOKEN", checks.auth_test)
    bolt = _build_bolt(settings, sessions)
    if settings.socket_mode:
        app_token = settings.slack_app_token or ""
        opened = _ask_slack(
            settings, "SLACK_APP_TOKEN", lambda: checks.apps_connections_open(app_token=app_token)
        )
        # The handler connects to the URL asked for here instead of asking again.
        handler = SocketModeHandler(bolt, app_token)
        handler.client.wss_uri = opened["url"]
        handler.connect()
    return bolt


def _ask_slack(
    settings: Settings, setting: str, call: Callable[[], SlackResponse]
) -> SlackResponse:
    """One Web API call: a refusal names the token, a failed connection Slack's URL."""
    try:
        return call()
    except SlackApiError as error:
        code = error.response.get("error")
        if not code:
            raise Unavailable(
                f"{settings.slack_api_url} did not answer as the Slack Web API does "
                f"(HTTP {error.response.status_code}): check SLACK_API_URL"
            ) from None
        raise UpstreamError(f"Slack refused {setting} ({code}): {TOKEN_ADVICE[setting]}") from None
    except OSError as error:
        raise Unavailable(_cannot_reach_slack(settings, error)) from None


def _cannot_reach_slack(settings: Settings, error: OSError) -> str:
    cause = getattr(error, "reason", error)  # urllib's URLError wraps the socket's error
    reason = getattr(cause, "strerror", None) or str(cause)
    return (
        f"cannot reach Slack at {settings.slack_api_url} ({reason}): "
        "check SLACK_API_URL and the network"
    )


def _build_bolt(settings: Settings, sessions: sessionmaker[Session]) -> App:
    try:
        return build_app(settings, sessions=sessions)
    except (BoltError, SlackApiError) as error:
        raise UpstreamError(f"the Slack app did not start: {error}") from None
    except OSError as error:
        raise Unavailable(_cannot_reach_slack(settings, error)) from None


def _serve(
    settings: Settings,
    asgi: Starlette,
    listener: socket.socket,
    *,
    sessions: sessionmaker[Session],
    bolt: App,
) -> None:
    if not settings.socket_mode and settings.public_url is None:
        logger.warning(
            "PUBLIC_URL is not set: report links will point at %s; "
            "set PUBLIC_URL to the address people reach the bot at",
            settings.public_base_url,
        )
    logger.info("serving port=%s socket_mode=%s", settings.port, settings.socket_mode)
    worker = _start_worker(settings, sessions, bolt, f"{socket.gethostname()}:{settings.port}")
    stop_jobs = scheduler.start(settings, sessions=sessions, client=bolt.client)
    try:
        uvicorn.Server(uvicorn.Config(asgi, log_config=None, access_log=False)).run([listener])
    finally:
        worker.stop(settings.shutdown_grace_seconds)
        stop_jobs()


def _start_worker(
    settings: Settings, sessions: sessionmaker[Session], bolt: App, name: str
) -> Worker:
    """The inbox worker, replaying what `bolt` recorded; woken by each new record."""
    replay = SlackReplay(bolt)
    worker = Worker(
        sessions,
        replay.handle,
        worker_name=name,
        threads=settings.inbox_workers,
        on_dead=replay.tell_gave_up,
    )
    runner_of(bolt).wake = worker.wake
    worker.start()
    return worker
