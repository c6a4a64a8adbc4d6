"""`/alertmanager/webhook`: a bearer token checked, the body bounded, then parsed and kept.

Alertmanager's `webhook_configs` sends `Authorization: Bearer <credentials>` when its
`http_config.authorization` is set: the token (`ALERTMANAGER_WEBHOOK_TOKEN`) is compared
in constant time before a byte of the body is read, and a request without it is a 401
with nothing kept. Alertmanager retries a 5xx (and a lost answer) but not a 4xx, so only
a wrong token, an over-long body or a body that is not a v4 notification gets one; what
is answered 200 is in the database first (DB down or read-only: 503, from `bot.server`).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.alertmanager.webhook import Notification, parse_notification
from bot.errors import BadArguments
from bot.http import limits
from bot.http.json_bodies import MALFORMED, load_object
from bot.http.refusal import Refused
from bot.services import alerts
from storage.models import utcnow

logger = logging.getLogger(__name__)
SOURCE = "alertmanager"
UNAUTHORIZED = 401
# A notification is one alert group: Alertmanager sends every alert of it (up to the
# receiver's `max_alerts`), a few hundred bytes each; 4 MiB holds thousands.
BODY_LIMIT = 4 << 20
_BEARER = "bearer "


async def handle(
    request: Request,
    token: str | None,
    sessions: sessionmaker[Session],
    *,
    single_workspace: bool,
) -> Response:
    """`single_workspace`: SLACK_BOT_TOKEN mode, where a post-mortem that names no service
    takes the alerts of its window (`bot.alertmanager.matching`)."""
    try:
        body = await read_authorized(request, token)
        answer = await run_in_threadpool(_receive, sessions, body, single_workspace)
    except Refused as refused:
        return refused.respond(SOURCE)
    return JSONResponse(answer)


async def read_authorized(request: Request, token: str | None) -> bytes:
    """The body, read only once its size is plausible and its bearer token is `token`."""
    limits.check_declared_length(request, BODY_LIMIT)
    declared = int(request.headers.get("content-length") or 0)
    if not token:
        message = "ALERTMANAGER_WEBHOOK_TOKEN is not configured"
        raise Refused(UNAUTHORIZED, "no_webhook_token", declared, message)
    if not bearer_matches(request.headers.get("authorization"), token):
        raise Refused(UNAUTHORIZED, "bad_token", declared, "bad token")
    return await limits.read_body(request, BODY_LIMIT)


def bearer_matches(header: str | None, token: str) -> bool:
    """Whether `header` is `Bearer <token>`, compared in constant time."""
    if not header or header[: len(_BEARER)].lower() != _BEARER:
        return False
    given = header[len(_BEARER) :].strip().encode("utf-8", "replace")
    return hmac.compare_digest(given, token.encode("utf-8"))


def _receive(
    sessions: sessionmaker[Session], body: bytes, single_workspace: bool
) -> dict[str, Any]:
    document = load_object(body)  # not JSON, or nested too deep: 400
    try:
        notification = parse_notification(document)
    except BadArguments as error:
        raise Refused(MALFORMED, "not_a_v4_notification", len(body), str(error)) from None
    with sessions.begin() as session:
        recorded = alerts.record(
            session, notification, single_workspace=single_workspace, now=utcnow()
        )
    answer: dict[str, Any] = {"ok": True, "new": recorded.new, "repeated": recorded.repeated}
    if notification.truncated_alerts:
        _warn_truncated(notification)
        answer["truncated"] = notification.truncated_alerts
    return answer


def _warn_truncated(notification: Notification) -> None:
    """Alertmanager left alerts out (the receiver's `max_alerts`): they never reach the
    bot, so the operator is told which group lost how many."""
    logger.warning(
        "alertmanager notification truncated: %d alerts not sent group=%.200r receiver=%.100r"
        " (raise the receiver's max_alerts)",
        notification.truncated_alerts,
        notification.group_key,
        notification.receiver,
    )
