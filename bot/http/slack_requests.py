"""`/slack/events`: bounded, verified and parsed here, then handed to Bolt already read.

The order is the point: size (413) before reading, the signature headers (401) before
reading, the HMAC on the raw bytes (401) before parsing, parsing (400) before Bolt.
Bolt then gets a `VerifiedRequest` carrying the parsed body, so Bolt neither parses the
text (its reader mistakes forms for interactions, see `slack_bodies`) nor verifies it
again: its check is off in `bot.app.build_app` and `slack_signature` is the only one.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.http import limits, slack_bodies
from bot.http.json_bodies import MALFORMED
from bot.http.refusal import Refused
from bot.http.slack_signature import check_headers, check_signature

SOURCE = "slack"
# Bolt steers its lazy listeners with these; only Bolt itself may set them, not a sender.
BOLT_HEADER_PREFIX = "x-slack-bolt-"


class VerifiedRequest(BoltRequest):
    """A BoltRequest built from a body the edge verified and parsed.

    `BoltRequest(body=<text>)` would run Bolt's reader on the text, and so would
    `to_copyable`, which Bolt calls to give each lazy listener its copy; here both keep
    the parsed dict. `mode="socket_mode"` is only how BoltRequest takes a dict; the mode
    is set back to "http" once built (Bolt reads it nowhere else that matters here).
    """

    def __init__(
        self,
        *,
        body: dict[str, Any],
        raw_body: str,
        headers: dict[str, Any],
        query: str | dict[str, Any] | None = None,
        context: BoltContext | None = None,
    ) -> None:
        super().__init__(
            body=body, query=query, headers=headers, context=context, mode="socket_mode"
        )
        self.raw_body = raw_body
        self.mode = "http"

    def to_copyable(self) -> VerifiedRequest:
        return VerifiedRequest(
            body=self.body,
            raw_body=self.raw_body,
            headers=dict(self.headers),
            query=dict(self.query),
            context=self.context.to_copyable(),
        )


async def handle(request: Request, bolt: App, signing_secret: str) -> Response:
    """The route: a refusal is one log line and a 4xx; anything else is Bolt's answer."""
    try:
        verified = await read_verified(request, signing_secret)
    except Refused as refused:
        return refused.respond(SOURCE)
    return to_starlette_response(await run_in_threadpool(bolt.dispatch, verified))


async def read_verified(request: Request, signing_secret: str) -> VerifiedRequest:
    limits.check_declared_length(request, limits.SLACK_BODY_LIMIT)
    declared = int(request.headers.get("content-length") or 0)
    if not signing_secret:
        raise Refused(401, "no_signing_secret", declared)
    signed = check_headers(request.headers, size=declared)
    body = await limits.read_body(request, limits.SLACK_BODY_LIMIT)
    check_signature(signing_secret, signed, body)
    parsed = slack_bodies.parse(body, request.headers.get("content-type"))
    return to_bolt(parsed, body, request)


def to_bolt(parsed: dict[str, Any], body: bytes, request: Request) -> VerifiedRequest:
    headers = {
        name: value
        for name, value in request.headers.items()
        if not name.startswith(BOLT_HEADER_PREFIX)
    }
    try:
        return VerifiedRequest(
            body=parsed, raw_body=body.decode(), headers=headers, query=request.url.query
        )
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        # Bolt reads the ids of a request into its context as it is built; a shape
        # `slack_shapes` let through and Bolt cannot read is still the sender's mistake.
        raise Refused(MALFORMED, "unexpected_shape", len(body)) from None
