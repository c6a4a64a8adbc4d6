"""`GET /postmortems/{token}`: the read-only report page behind a share link.

Drawn from the database on every visit, so it always shows the latest report,
with the names kept at the last share or publish (a visit asks Slack nothing).
An unknown or revoked token gets the same 404. The page runs no script, and its
headers keep the token out of Referer headers, caches and search engines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.core.report_words import Names
from bot.documents.render import html_page
from bot.services import report as report_service
from bot.templates import Templates
from storage.models import utcnow

PATH = "/postmortems/{token}"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}
NOT_FOUND = (
    '<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Report not found</title>'
    "<p>There is no report at this address: the link is wrong, or it was revoked.</p></html>"
)


def route(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Route:
    templates = Templates(settings.templates_dir)

    async def show(request: Request) -> Response:
        token = request.path_params["token"]
        page = await run_in_threadpool(
            render, sessions, templates, token, clock(), grafana_url=settings.grafana_url
        )
        if page is None:
            return HTMLResponse(NOT_FOUND, status_code=404, headers=HEADERS)
        return HTMLResponse(page, headers=HEADERS)

    return Route(PATH, show, methods=["GET"])


def render(
    sessions: sessionmaker[Session],
    templates: Templates,
    token: str,
    now: datetime,
    *,
    grafana_url: str | None = None,
) -> str | None:
    """The page for `token`, or None when no live share link has it."""
    if not TOKEN.fullmatch(token):
        return None
    with sessions.begin() as session:
        found = report_service.page(session, token, now=now)
    if found is None:
        return None
    report, names = found
    return html_page(report, Names(names), templates, grafana_url=grafana_url)
