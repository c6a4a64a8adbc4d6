"""`/github/webhook`: GitHub's `issues` events, verified on the raw bytes, then kept.

Only `X-Hub-Signature-256` under GITHUB_WEBHOOK_SECRET lets a body through (401
otherwise, nothing read or changed). An issue closed or reopened whose body carries an
item's hidden marker is recorded in the inbox under its delivery id (`X-GitHub-Delivery`,
so a redelivery is kept once) before the 200; when the database cannot take it, the
answer is 503 and GitHub may redeliver. The inbox worker then marks the item done or
open (only when it links that very issue, and only in a workspace that files in that
repository: one of its channels named it, or it is GITHUB_REPOSITORY) and says so in
the post-mortem's thread, once (`bot.flows.ticket_status`).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.config import Settings
from bot.errors import BadArguments
from bot.flows import ticket_status
from bot.flows.ticket_status import Reported
from bot.github.webhook import parse_issue_event, verify_signature
from bot.http import limits
from bot.http.json_bodies import MALFORMED
from bot.http.refusal import Refused
from bot.services.tickets import GITHUB
from storage.models import utcnow

logger = logging.getLogger(__name__)

SOURCE = "github"
UNAUTHORIZED = 401
BODY_LIMIT = 1 << 20  # GitHub caps webhook payloads at 25 MB; an issues event is a few KB


async def handle(request: Request, settings: Settings, sessions: sessionmaker[Session]) -> Response:
    try:
        body = await read_verified(request, settings.github_webhook_secret)
        status, answer = await run_in_threadpool(_receive, sessions, request.headers, body)
    except Refused as refused:
        return refused.respond(SOURCE)
    return JSONResponse(answer, status_code=status)


async def read_verified(
    request: Request,
    secret: str | None,
    *,
    header: str = "x-hub-signature-256",
    setting: str = "GITHUB_WEBHOOK_SECRET",
) -> bytes:
    """The raw body once its `sha256=<hmac>` in `header` matches `secret` (Jira Cloud signs
    its webhooks the same way, in `X-Hub-Signature`); 401 otherwise, 413 above the limit."""
    limits.check_declared_length(request, BODY_LIMIT)
    declared = int(request.headers.get("content-length") or 0)
    if not secret:
        raise Refused(UNAUTHORIZED, "no_webhook_secret", declared, f"{setting} is not configured")
    signature = request.headers.get(header)
    if not signature:
        raise Refused(UNAUTHORIZED, "unsigned", declared, "bad signature")
    body = await limits.read_body(request, BODY_LIMIT)
    if not verify_signature(body, signature, (secret,)):
        raise Refused(UNAUTHORIZED, "bad_signature", len(body), "bad signature")
    return body


def _receive(
    sessions: sessionmaker[Session], headers: Any, body: bytes
) -> tuple[int, dict[str, Any]]:
    event = headers.get("x-github-event", "")
    if event == "ping":
        return 200, {"ok": True, "pong": True}
    if event != "issues":
        return 200, {"ok": True, "ignored": event or "no event"}
    try:
        status = parse_issue_event(body)
    except BadArguments as error:
        raise Refused(MALFORMED, "not_an_issues_event", len(body), str(error)) from None
    if status is None or status.item_id is None:
        return 200, {"ok": True, "ignored": True}
    reported = Reported(GITHUB, status.repository, status.url, status.closed, status.item_id)
    key = ticket_status.delivery_key(headers.get("x-github-delivery"), body)
    with sessions.begin() as session:
        recorded = ticket_status.record(
            session, source=SOURCE, key=key, reported=reported, now=utcnow()
        )
    return 200, {"ok": True, "recorded": recorded}
