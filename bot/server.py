"""The HTTP face of the bot: one Starlette app with the contract's routes.

Bolt's own Starlette handler calls the synchronous `App.dispatch` on the event
loop, so one slow request stalls every other; here dispatch runs in the
thread pool and the loop stays free (see bench/ack_latency.py).
"""

from __future__ import annotations

import json
import logging

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import report_page
from bot.app import build_app
from bot.config import Settings
from bot.errors import BadArguments, UpstreamError
from bot.jobs import scheduler
from bot.pagerduty.webhook import parse_webhook, verify_signature
from bot.services import pagerduty_events
from storage import schema
from storage.db import make_engine, make_sessionmaker

logger = logging.getLogger(__name__)


def build_asgi(
    settings: Settings, *, engine: Engine, sessions: sessionmaker[Session], bolt: App | None
) -> Starlette:
    """Routes for `serve`; `bolt` is None in Socket Mode, where Slack does not call us."""

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        bolt_response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def slack_oauth(request: Request) -> Response:
        flow = bolt.oauth_flow
        bolt_request = to_bolt_request(request, await request.body())
        if request.url.path == flow.install_path:
            return to_starlette_response(
                await run_in_threadpool(flow.handle_installation, bolt_request)
            )
        return to_starlette_response(await run_in_threadpool(flow.handle_callback, bolt_request))

    async def pagerduty_webhook(request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get("x-pagerduty-signature")
        status, answer = await run_in_threadpool(
            _receive_pagerduty, settings, sessions, body, signature
        )
        return JSONResponse(answer, status_code=status)

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


def _receive_pagerduty(
    settings: Settings, sessions: sessionmaker[Session], body: bytes, signature: str | None
) -> tuple[int, dict[str, object]]:
    """PagerDuty retries 5xx and 429 for 48 hours but drops other 4xx, so only a
    bad signature or an unreadable body gets a 4xx; anything signed is kept."""
    secrets = settings.pagerduty_webhook_secrets
    if not secrets:
        return 401, {"ok": False, "error": "PAGERDUTY_WEBHOOK_SECRET is not configured"}
    if not verify_signature(body, signature, secrets):
        return 401, {"ok": False, "error": "bad signature"}
    try:
        event = parse_webhook(body)
    except BadArguments as error:
        return 400, {"ok": False, "error": str(error)}
    if event.event_type == "pagey.ping":
        return 200, {"ok": True, "pong": True}
    with sessions.begin() as session:
        recorded = pagerduty_events.record(session, event, json.loads(body))
    return 200, {"ok": True, "duplicate": not recorded}


def run(settings: Settings, *, host: str) -> None:
    """`postmortem-bot serve`: check the settings and schema, then serve until stopped."""
    settings.check_for_serving()
    engine = make_engine(settings.database_url)
    schema.ensure_current(engine)
    sessions = make_sessionmaker(engine)
    bolt = _build_bolt(settings, sessions)
    if settings.socket_mode:
        SocketModeHandler(bolt, settings.slack_app_token).connect()
        asgi = build_asgi(settings, engine=engine, sessions=sessions, bolt=None)
    else:
        asgi = build_asgi(settings, engine=engine, sessions=sessions, bolt=bolt)
    logger.info("serving port=%s socket_mode=%s", settings.port, settings.socket_mode)
    stop_jobs = scheduler.start(settings, sessions=sessions, client=bolt.client)
    try:
        uvicorn.run(asgi, host=host, port=settings.port, log_config=None, access_log=False)
    finally:
        stop_jobs()


def _build_bolt(settings: Settings, sessions: sessionmaker[Session]) -> App:
    try:
        return build_app(settings, sessions=sessions)
    except (BoltError, SlackApiError, OSError) as error:
        raise UpstreamError(f"Slack did not accept the bot's credentials: {error}") from error
