"""How much of a request body the bot will read, and reading no more than that.

The limits are constants, not settings: Slack's largest payloads (a submitted modal, an
event carrying blocks) are tens of kilobytes, and a PagerDuty v3 webhook is a few; 1 MiB
leaves room for both and keeps an unsigned upload from costing more than that.
"""

from __future__ import annotations

from starlette.requests import Request

from bot.http.refusal import Refused

SLACK_BODY_LIMIT = 1 << 20  # 1 MiB, for /slack/events
PAGERDUTY_BODY_LIMIT = 1 << 20  # 1 MiB, for /pagerduty/webhook
TOO_LARGE = 413


def check_declared_length(request: Request, limit: int) -> None:
    """Refuse by Content-Length alone, before a byte of the body is read."""
    declared = request.headers.get("content-length")
    if declared is None:
        return  # chunked: `read_body` counts as it reads
    if not declared.isascii() or not declared.isdigit():
        raise Refused(400, "bad_content_length")
    if int(declared) > limit:
        raise Refused(TOO_LARGE, "too_large", int(declared))


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or Refused(413) as soon as more than `limit` bytes have arrived."""
    check_declared_length(request, limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(TOO_LARGE, "too_large", len(body))
    return bytes(body)
