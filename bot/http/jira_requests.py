"""`/jira/webhook`: Jira Cloud's issue events, verified on the raw bytes, then kept.

Only `X-Hub-Signature: sha256=<hmac>` under JIRA_WEBHOOK_SECRET lets a body through (401
otherwise, nothing read or changed; the check is GitHub's, `github_requests.read_verified`).
An issue moved into a status of the `done` category marks the action item it was filed
for done, moved out of it opens the item again: only when the item links that very issue
(`JIRA_URL/browse/KEY`; the description's hidden marker names the item, and when Jira's
rendering of it lost the marker, the link alone does) and only in a
workspace that files in that project (one of its channels named it, or it is
JIRA_PROJECT). The status is recorded in the inbox under its delivery id
(`X-Atlassian-Webhook-Identifier`, so a retry is kept once) before the 200, 503 when the
database cannot take it; the inbox worker applies it and says so in the post-mortem's
thread, once (`bot.flows.ticket_status`).
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
from bot.http.github_requests import read_verified
from bot.http.json_bodies import MALFORMED
from bot.http.refusal import Refused
from bot.jira.client import browse_url
from bot.jira.webhook import parse_issue_updated
from bot.services.tickets import JIRA
from storage.models import utcnow

logger = logging.getLogger(__name__)

SOURCE = "jira"
DELIVERY_HEADER = "x-atlassian-webhook-identifier"


async def handle(request: Request, settings: Settings, sessions: sessionmaker[Session]) -> Response:
    try:
        body = await read_verified(
            request,
            settings.jira_webhook_secret,
            header="x-hub-signature",
            setting="JIRA_WEBHOOK_SECRET",
        )
        answer = await run_in_threadpool(_receive, settings, sessions, request.headers, body)
    except Refused as refused:
        return refused.respond(SOURCE)
    return JSONResponse(answer, status_code=200)


def _receive(
    settings: Settings, sessions: sessionmaker[Session], headers: Any, body: bytes
) -> dict[str, Any]:
    try:
        status = parse_issue_updated(body)
    except BadArguments as error:
        raise Refused(MALFORMED, "not_an_issue_event", len(body), str(error)) from None
    if status is None or not settings.jira_url:
        return {"ok": True, "ignored": True}
    url = browse_url(settings.jira_url, status.key)
    reported = Reported(JIRA, status.project, url, status.closed, status.item_id)
    key = ticket_status.delivery_key(headers.get(DELIVERY_HEADER), body)
    with sessions.begin() as session:
        recorded = ticket_status.record(
            session, source=SOURCE, key=key, reported=reported, now=utcnow()
        )
    return {"ok": True, "recorded": recorded}
