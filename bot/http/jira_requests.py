"""`/jira/webhook`: Jira Cloud's issue events, verified on the raw bytes, then applied.

Only `X-Hub-Signature: sha256=<hmac>` under JIRA_WEBHOOK_SECRET lets a body through (401
otherwise, nothing read or changed; the check is GitHub's, `github_requests.read_verified`).
An issue moved into a status of the `done` category marks the action item it was filed
for done, moved out of it opens the item again: only when the item links that very issue
(`JIRA_URL/browse/KEY`; the description's hidden marker names the item, and when Jira's
rendering of it lost the marker, the link alone does) and only in a
workspace that files in that project (one of its channels named it, or it is
JIRA_PROJECT). The change is made in the transaction that claims the delivery id
(`X-Atlassian-Webhook-Identifier`), so a retry changes nothing, and committed before the
200; then the post-mortem's thread gets a line saying so.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.config import Settings
from bot.errors import BadArguments
from bot.flows import tickets
from bot.http.github_requests import read_verified
from bot.http.json_bodies import MALFORMED
from bot.http.refusal import Refused
from bot.jira.client import browse_url
from bot.jira.webhook import IssueStatus, parse_issue_updated
from bot.services import deliveries
from bot.services import tickets as ticket_service
from bot.services.tickets import JIRA, StatusChange
from storage.models import utcnow

logger = logging.getLogger(__name__)

SOURCE = "jira"
DELIVERY_HEADER = "x-atlassian-webhook-identifier"


async def handle(
    request: Request, settings: Settings, sessions: sessionmaker[Session], slack: WebClient
) -> Response:
    try:
        body = await read_verified(
            request,
            settings.jira_webhook_secret,
            header="x-hub-signature",
            setting="JIRA_WEBHOOK_SECRET",
        )
        answer = await run_in_threadpool(_receive, settings, sessions, slack, request.headers, body)
    except Refused as refused:
        return refused.respond(SOURCE)
    return JSONResponse(answer, status_code=200)


def _receive(
    settings: Settings,
    sessions: sessionmaker[Session],
    slack: WebClient,
    headers: Any,
    body: bytes,
) -> dict[str, Any]:
    try:
        status = parse_issue_updated(body)
    except BadArguments as error:
        raise Refused(MALFORMED, "not_an_issue_event", len(body), str(error)) from None
    if status is None or not settings.jira_url:
        return {"ok": True, "ignored": True}
    change = _apply(sessions, headers.get(DELIVERY_HEADER), status, settings)
    if change is None:
        return {"ok": True, "changed": False}
    tickets.announce_status(slack, change)
    return {"ok": True, "changed": True}


def _apply(
    sessions: sessionmaker[Session], delivery: str | None, status: IssueStatus, settings: Settings
) -> StatusChange | None:
    assert settings.jira_url
    url = browse_url(settings.jira_url, status.key)
    with sessions.begin() as session:
        teams = ticket_service.workspaces_of(
            session, status.project, settings.jira_project, system=JIRA
        )
        if teams is not None and not teams:
            return None  # a project no workspace named: nobody's items
        item_id = status.item_id or ticket_service.item_linking(session, url)
        if item_id is None or not deliveries.first_time(session, SOURCE, delivery):
            return None
        return ticket_service.apply_status(
            session,
            item_id,
            url,
            closed=status.closed,
            team_ids=teams,
            now=utcnow(),
        )
