"""The one error hook: domain errors become an ephemeral line, the rest a logged traceback.

Bolt sends exceptions from ack-time listeners to `@app.error` (registered as
`on_listener_error`) and answers Slack 500 unless the hook says otherwise; it
only logs exceptions from lazy listeners, without a traceback. Both paths end
in `message_for`, and Slack never sees a 500.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse, Respond
from slack_sdk import WebClient

from bot.errors import UserError

logger = logging.getLogger(__name__)

SORRY = "Something went wrong on my side and nothing was changed; please try again. (ref `{ref}`)"

BackgroundListener = Callable[..., None]


def message_for(error: Exception, body: dict[str, Any]) -> str:
    """What to tell the person; unexpected errors are logged with a reference they can quote."""
    if isinstance(error, UserError):
        return str(error)
    ref = uuid.uuid4().hex[:8]
    kind = body.get("command") or body.get("type") or "request"
    logger.error("listener failed ref=%s kind=%s", ref, kind, exc_info=error)
    return SORRY.format(ref=ref)


def on_listener_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
    text = message_for(error, body)
    if not body.get("command"):
        return BoltResponse(status=200, body="")
    answer = json.dumps({"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body=answer, headers={"content-type": "application/json"})


def in_background(listener: BackgroundListener) -> BackgroundListener:
    """Wrap a lazy listener so its errors reach the person who asked."""

    def run(
        body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        try:
            listener(body=body, client=client, respond=respond, context=context)
        except Exception as error:
            text = message_for(error, body)
            if body.get("response_url"):
                respond(text=text, response_type="ephemeral", replace_original=False)

    run.__name__ = listener.__name__
    return run
