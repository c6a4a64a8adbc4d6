"""The one error hook: domain errors become words for the person, the rest a logged traceback.

Bolt sends exceptions from ack-time listeners to `@app.error` (registered as
`on_listener_error`) and answers Slack 500 unless the hook says otherwise; it
only logs exceptions from lazy listeners, without a traceback, so those are
caught by `in_background`. Both paths end in `message_for`, and Slack never
sees a 500. Where the words go:

    slash command, ack          the ack's ephemeral answer
    modal submitted, ack        the modal stays open with the words under its first input
                                (or, with no input, in place of its content)
    after the ack, with a response_url    an ephemeral message (`respond`)
    modal submitted, after the ack        a direct message: the modal has closed
    anything else               nothing (an event has nobody waiting for an answer)
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.slack_text import escape
from bot.errors import UserError

logger = logging.getLogger(__name__)

SORRY = "Something went wrong on my side and nothing was changed; please try again. (ref `{ref}`)"
VIEW_SUBMISSION = "view_submission"
ERROR_TEXT_LIMIT = 2000  # what Slack shows under a field

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
    if body.get("type") == VIEW_SUBMISSION:
        return _json(modal_answer(body.get("view") or {}, text))
    if not body.get("command"):
        return BoltResponse(status=200, body="")
    return _json({"response_type": "ephemeral", "text": text})


def modal_answer(view: dict[str, Any], text: str) -> dict[str, Any]:
    """Keep the submitted modal open and say what went wrong, so nothing typed is lost."""
    inputs = [b["block_id"] for b in view.get("blocks") or () if _is_input(b)]
    if inputs:
        return {"response_action": "errors", "errors": {inputs[0]: text[:ERROR_TEXT_LIMIT]}}
    notice = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    updated = {
        "type": "modal",
        "title": view.get("title") or {"type": "plain_text", "text": "Post-mortem"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [notice],
    }
    return {"response_action": "update", "view": updated}


def in_background(listener: BackgroundListener) -> BackgroundListener:
    """Wrap a lazy listener so its errors reach the person who asked."""

    def run(
        body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        try:
            listener(body=body, client=client, respond=respond, context=context)
        except Exception as error:
            tell(message_for(error, body), body, client, respond)

    run.__name__ = listener.__name__
    return run


def tell(text: str, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """After the ack: ephemerally where the request came from, or by DM for a closed modal."""
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    user_id = (body.get("user") or {}).get("id")
    if body.get("type") != VIEW_SUBMISSION or not user_id:
        return
    title = (((body.get("view") or {}).get("title")) or {}).get("text")
    try:
        # A user id as the channel: the bot's direct messages with that person.
        client.chat_postMessage(
            channel=user_id, text=f"*{escape(title)}*: {text}" if title else text
        )
    except SlackApiError as failure:
        logger.warning("could not tell %s what failed: %s", user_id, failure.response.get("error"))


def _is_input(block: dict[str, Any]) -> bool:
    return block.get("type") == "input" and bool(block.get("block_id"))


def _json(answer: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
    )
