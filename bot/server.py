"""The HTTP face of the bot: one Starlette app with the contract's routes, and `serve`.

Bolt's own Starlette handler calls the synchronous `App.dispatch` on the event
loop, so one slow request stalls every other; here dispatch runs in the
thread pool and the loop stays free (see bench/ack_latency.py). The POST routes
are thin: `bot.http` bounds, verifies and parses each body before any code reads it.

What Slack is answered 2xx for is in the inbox first (`bot.inbox.recording`); `serve`
runs the inbox worker that does it (`bot.inbox.replay`), and stops as `bot.shutdown`
says: new requests answered 503, the work in progress finished or handed back within
SHUTDOWN_GRACE_SECONDS, exit 0. `/healthz` is ready only while the database takes a
write (`bot.inbox.health`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import anyio.to_thread
import uvicorn
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import build_app
from bot.clients import Clients, build_client, build_clients
from bot.config import Settings
from bot.documents import page as report_page
from bot.errors import Unavailable, UpstreamError
from bot.flows.deps import Deps
from bot.http import (
    alertmanager_requests,
    github_requests,
    jira_requests,
    pagerduty_requests,
    slack_requests,
)
from bot.http.socket_mode import SocketModeLink
from bot.inbox import Worker, health
from bot.inbox.backfills import BackfillReplay, with_backfills
from bot.inbox.recording import runner_of
from bot.inbox.replay import SlackReplay
from bot.inbox.tickets import TicketReplay, by_source
from bot.jobs import scheduler
from bot.listeners.failures import unavailable
from bot.shutdown import Drain, Gate, GracefulServer, RefuseWhileStopping
from bot.templates import Templates
from bot.transaction_guard import install as guard_transactions
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import utcnow

logger = logging.getLogger(__name__)

# `bot.http.github_requests.handle`, `bot.http.jira_requests.handle`
TrackerWebhook = Callable[[Request, Settings, sessionmaker[Session]], Awaitable[Response]]
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
HEALTH_TIMEOUT_SECONDS = 3.0  # a probe is answered within this, ready or not
HTTP_GRACE_SECONDS = 5  # after the drain, for the answers still being sent
# Threads for the synchronous part of requests (anyio's default is 40): more than the
# requests Slack sends at once, so none waits for a thread while others wait on a commit.
REQUEST_THREADS = 100
# Database connections besides the inbox workers': the shared commit of the acks
# (bot.inbox.group_commit), the heartbeat, the scheduler, /healthz and a few requests.
SPARE_CONNECTIONS = 6
# Done inbox items are kept this long, then pruned: Slack retries within minutes, and
# a week of them shows an operator what was done.
INBOX_KEEP_DONE = timedelta(days=7)


def build_asgi(
    settings: Settings,
    *,
    engine: Engine,
    sessions: sessionmaker[Session],
    bolt: App | None,
    gate: Gate | None = None,
    worker_name: str | None = None,
    slack: WebClient | None = None,
) -> Starlette:
    """Routes for `serve`; `bolt` is None in Socket Mode, where Slack does not call us.
    Once `gate` is closed every request is answered 503 (`bot.shutdown`)."""
    gate = gate or Gate()
    name = worker_name or settings.inbox_worker_name(socket.gethostname())

    async def slack_events(request: Request) -> Response:
        assert bolt is not None
        return await slack_requests.handle(request, bolt, settings.slack_signing_secret or "")

    async def slack_oauth(request: Request) -> Response:
        assert bolt is not None and bolt.oauth_flow is not None
        flow = bolt.oauth_flow
        bolt_request = to_bolt_request(request, b"")  # OAuth's redirects carry no body
        if request.url.path == flow.install_path:
            return to_starlette_response(
                await run_in_threadpool(flow.handle_installation, bolt_request)
            )
        return to_starlette_response(await run_in_threadpool(flow.handle_callback, bolt_request))

    async def pagerduty_webhook(request: Request) -> Response:
        try:
            return await pagerduty_requests.handle(
                request,
                settings.pagerduty_webhook_secrets,
                sessions,
                single_workspace=not settings.oauth,
            )
        except Exception as error:
            if not unavailable(error):
                raise
            # Not kept, so not acknowledged: PagerDuty retries a 5xx for 48 hours.
            logger.warning("pagerduty webhook not taken, answered 503: %s", type(error).__name__)
            return JSONResponse({"ok": False, "error": "unavailable"}, status_code=503)

    async def alertmanager_webhook(request: Request) -> Response:
        token, single = settings.alertmanager_webhook_token, not settings.oauth
        answer = alertmanager_requests.handle(request, token, sessions, single_workspace=single)
        return await _kept_or_unavailable("alertmanager", answer)

    def tracker_webhook(
        source: str, handle: TrackerWebhook
    ) -> Callable[[Request], Awaitable[Response]]:
        """A ticket tracker's webhook (GitHub's, Jira's): kept before its 2xx, else 503."""

        async def webhook(request: Request) -> Response:
            try:
                return await handle(request, settings, sessions)
            except Exception as error:
                if not unavailable(error):
                    raise
                logger.warning(
                    "%s webhook not taken, answered 503: %s", source, type(error).__name__
                )
                return JSONResponse({"ok": False, "error": "unavailable"}, status_code=503)

        return webhook

    async def healthz(request: Request) -> Response:
        return await _healthz(engine, name)

    routes = [
        Route("/pagerduty/webhook", pagerduty_webhook, methods=["POST"]),
        Route("/alertmanager/webhook", alertmanager_webhook, methods=["POST"]),
        Route(
            "/github/webhook", tracker_webhook("github", github_requests.handle), methods=["POST"]
        ),
        Route("/jira/webhook", tracker_webhook("jira", jira_requests.handle), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        report_page.route(settings, sessions),
    ]
    if bolt is not None:
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
        if bolt.oauth_flow is not None:
            routes.append(Route("/slack/install", slack_oauth, methods=["GET"]))
            routes.append(Route("/slack/oauth_redirect", slack_oauth, methods=["GET"]))
    return Starlette(
        routes=routes,
        middleware=[Middleware(RefuseWhileStopping, gate=gate)],
        lifespan=_request_threads,
    )


async def _kept_or_unavailable(source: str, answer: Awaitable[Response]) -> Response:
    """A webhook's answer; 503 when the database could not keep it, so the sender retries."""
    try:
        return await answer
    except Exception as error:
        if not unavailable(error):
            raise
        logger.warning("%s webhook not taken, answered 503: %s", source, type(error).__name__)
        return JSONResponse({"ok": False, "error": "unavailable"}, status_code=503)


@contextlib.asynccontextmanager
async def _request_threads(app: Starlette) -> AsyncIterator[None]:
    """Size the thread pool that runs each request's synchronous part (Bolt's dispatch)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    yield


async def _healthz(engine: Engine, worker_name: str) -> Response:
    """Ready (200) while the database takes a write; with how much work is waiting."""
    try:
        readiness = await asyncio.wait_for(
            run_in_threadpool(health.check, engine, worker_name=worker_name, now=utcnow()),
            HEALTH_TIMEOUT_SECONDS,
        )
    except Exception as error:
        reason = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
        logger.warning("healthz: the database does not take writes: %s", reason)
        answer = {"ok": False, "database": "unwritable", "worker": worker_name}
        return JSONResponse(answer, status_code=503)
    answer = {"ok": True, "database": "ok", "worker": worker_name, **readiness.as_json()}
    return JSONResponse(answer)


def run(settings: Settings, *, host: str, migrate: bool = False) -> None:
    """`postmortem-bot serve`: check the settings, take the port, check the database
    (upgrading its schema first with `migrate`) and Slack, then serve until stopped.

    A failed check raises a BotError that says what to do; a SQLite file that does
    not exist yet is not created by a refused start.
    """
    settings.check_for_serving()
    listener = _listen(host, settings.port)
    clients: Clients | None = None
    try:
        engine = make_engine(settings.database_url, pool_size=_pool_size(settings))
        guard_transactions(engine)  # logs any Slack or HTTP call made inside a transaction
        if migrate:
            before, after = schema.upgrade(
                engine, token_encryption_key=settings.token_encryption_key
            )
            logger.info("database schema: %s -> %s", before or "empty", after)
        schema.ensure_current(engine)
        sessions = make_sessionmaker(engine)
        clients = build_clients(settings)  # the process's one set: Bolt's and the jobs'
        bolt, socket_mode = _connect_slack(settings, sessions, clients)
        _serve(
            settings,
            listener,
            engine=engine,
            sessions=sessions,
            clients=clients,
            bolt=bolt,
            socket_mode=socket_mode,
        )
    finally:
        listener.close()
        if clients is not None:
            clients.close()


def _pool_size(settings: Settings) -> int:
    """Enough connections that no inbox worker waits for one behind the others."""
    return settings.inbox_workers + SPARE_CONNECTIONS


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


def _connect_slack(
    settings: Settings, sessions: sessionmaker[Session], clients: Clients
) -> tuple[App, SocketModeHandler | None]:
    """auth.test (and apps.connections.open in Socket Mode) before anything is served;
    in Socket Mode, the handler, connected (it records what it receives as HTTP does)."""
    checks = build_client(settings, logger=_checks_logger)
    if settings.slack_bot_token:
        _ask_slack(settings, "SLACK_BOT_TOKEN", checks.auth_test)
    bolt = _build_bolt(settings, sessions, clients)
    if settings.socket_mode:
        app_token = settings.slack_app_token or ""
        opened = _ask_slack(
            settings, "SLACK_APP_TOKEN", lambda: checks.apps_connections_open(app_token=app_token)
        )
        # The handler connects to the URL asked for here instead of asking again.
        handler = SocketModeLink(bolt, app_token, url=opened["url"])
        handler.connect()
        return bolt, handler
    return bolt, None


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


def _build_bolt(settings: Settings, sessions: sessionmaker[Session], clients: Clients) -> App:
    try:
        return build_app(settings, sessions=sessions, clients=clients)
    except (BoltError, SlackApiError) as error:
        raise UpstreamError(f"the Slack app did not start: {error}") from None
    except OSError as error:
        raise Unavailable(_cannot_reach_slack(settings, error)) from None


def _serve(
    settings: Settings,
    listener: socket.socket,
    *,
    engine: Engine,
    sessions: sessionmaker[Session],
    clients: Clients,
    bolt: App,
    socket_mode: SocketModeHandler | None,
) -> None:
    if socket_mode is None and settings.public_url is None:
        logger.warning(
            "PUBLIC_URL is not set: report links will point at %s; "
            "set PUBLIC_URL to the address people reach the bot at",
            settings.public_base_url,
        )
    gate, name = Gate(), settings.inbox_worker_name(socket.gethostname())
    http_bolt = None if socket_mode else bolt
    asgi = build_asgi(
        settings,
        engine=engine,
        sessions=sessions,
        bolt=http_bolt,
        gate=gate,
        worker_name=name,
        slack=clients.slack,
    )
    worker = _start_worker(settings, sessions, bolt, name, clients)
    stop_jobs = scheduler.start(settings, sessions=sessions, clients=clients)
    drain = Drain(
        settings.shutdown_grace_seconds, worker=worker, jobs=stop_jobs, socket_mode=socket_mode
    )
    logger.info("serving port=%s socket_mode=%s worker=%s", settings.port, bool(socket_mode), name)
    config = uvicorn.Config(
        asgi, log_config=None, access_log=False, timeout_graceful_shutdown=HTTP_GRACE_SECONDS
    )
    # What start-up built (the app, its templates, SQLAlchemy's metadata) lives as long
    # as the process: kept out of the collector's counts, a full collection no longer
    # walks it in the middle of someone's request.
    gc.freeze()
    try:
        GracefulServer(config, gate=gate, drain=drain).run([listener])
    finally:
        drain(wait=False)  # uvicorn stopped another way, or a second signal forced it


def _start_worker(
    settings: Settings, sessions: sessionmaker[Session], bolt: App, name: str, clients: Clients
) -> Worker:
    """The inbox worker, replaying what `bolt` recorded (and applying what the trackers
    said, `bot.inbox.tickets`); woken by each new record."""
    replay = SlackReplay(bolt)
    tickets = TicketReplay(sessions, bolt.client, settings)
    deps = Deps(settings, sessions, clients, utcnow, Templates(settings.templates_dir))
    backfills = BackfillReplay(deps)  # what Slack's rate limit paused (bot.inbox.backfills)
    worker = Worker(
        sessions,
        with_backfills(by_source(replay.handle, tickets.handle), backfills.handle),
        worker_name=name,
        threads=settings.inbox_workers,
        lease_seconds=settings.inbox_lease_seconds,
        on_dead=replay.tell_gave_up,
        keep_done=INBOX_KEEP_DONE,
    )
    runner_of(bolt).wake = worker.wake
    worker.start()
    return worker
