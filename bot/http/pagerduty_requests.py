"""`/pagerduty/webhook`: bounded, verified on the raw bytes, then parsed and recorded.

PagerDuty retries 5xx and 429 for 48 hours but drops other 4xx, so only a bad signature
or an unreadable body gets a 4xx; anything signed and readable is kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.errors import BadArguments
from bot.http import limits
from bot.http.json_bodies import MALFORMED, load_object
from bot.http.refusal import Refused
from bot.pagerduty.webhook import parse_webhook, verify_signature
from bot.services import pagerduty_events
from storage.models import utcnow

SOURCE = "pagerduty"
UNAUTHORIZED = 401


async def handle(
    request: Request,
    secrets: tuple[str, ...],
    sessions: sessionmaker[Session],
    *,
    single_workspace: bool,
) -> Response:
    """`single_workspace`: SLACK_BOT_TOKEN mode, where a PagerDuty service mapped to no
    workspace is the one workspace's (in OAuth mode it is nobody's)."""
    try:
        body = await read_verified(request, secrets)
        status, answer = await run_in_threadpool(_receive, sessions, body, single_workspace)
    except Refused as refused:
        return refused.respond(SOURCE)
    return JSONResponse(answer, status_code=status)


async def read_verified(request: Request, secrets: tuple[str, ...]) -> bytes:
    """The body, read only once its size and a signature header are plausible, and only
    returned when one of its `v1=` signatures matches one of `secrets`."""
    limits.check_declared_length(request, limits.PAGERDUTY_BODY_LIMIT)
    declared = int(request.headers.get("content-length") or 0)
    if not any(secrets):
        message = "PAGERDUTY_WEBHOOK_SECRET is not configured"
        raise Refused(UNAUTHORIZED, "no_webhook_secret", declared, message)
    signature = request.headers.get("x-pagerduty-signature")
    if not signature:
        raise Refused(UNAUTHORIZED, "unsigned", declared, "bad signature")
    body = await limits.read_body(request, limits.PAGERDUTY_BODY_LIMIT)
    if not verify_signature(body, signature, secrets):
        raise Refused(UNAUTHORIZED, "bad_signature", len(body), "bad signature")
    return body


def _receive(
    sessions: sessionmaker[Session], body: bytes, single_workspace: bool
) -> tuple[int, dict[str, Any]]:
    document = load_object(body)  # not JSON, or nested too deep to store: 400
    try:
        event = parse_webhook(body)
    except BadArguments as error:
        raise Refused(MALFORMED, "not_a_v3_event", len(body), str(error)) from None
    if event.event_type == "pagey.ping":
        return 200, {"ok": True, "pong": True}
    with sessions.begin() as session:
        recorded = pagerduty_events.record(
            session, event, document, single_workspace=single_workspace, now=utcnow()
        )
    return 200, {"ok": True, "duplicate": not recorded}
