"""The one error hook: domain errors become words for the person, the rest a logged traceback.

Bolt sends exceptions from ack-time listeners (and from recording a request in the
inbox, `bot.inbox.recording`) to `@app.error`, registered as `on_listener_error`, and
answers Slack 500 unless the hook says otherwise. When the database (or something else
the bot cannot work without) is unavailable the hook answers 503, so nothing is
acknowledged that was not kept: Slack retries an event, and shows its own failure
notice for a command or a click. Otherwise the words come from `message_for`, and
Slack never sees a 500.

Lazy listeners run later from the inbox (`bot.inbox.replay`), wrapped in
`in_background`: a UserError is told to the person and the item is done; a transient
failure (`transient`) is retried by the worker after the delay Slack asked for; any
other error is retried too, and when the worker gives up the person is told by
`tell_gave_up`, with the inbox item's id. Where the words go:

    slash command, ack          the ack's ephemeral answer
    modal submitted, ack        the modal stays open with the words under its first input
                                (or, with no input, in place of its content)
    after the ack, with a response_url    an ephemeral message (`respond`)
    modal submitted, after the ack        a direct message: the modal has closed
    a click in the App Home               a direct message: a Home has no response_url
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
from bot.inbox import HandlerSignal, slack_delivery
from bot.listeners.failures import retry_for, unavailable
from bot.slack import limits

logger = logging.getLogger(__name__)

SORRY = "Something went wrong on my side and nothing was changed; please try again. (ref `{ref}`)"
VIEW_SUBMISSION = "view_submission"
ERROR_TEXT_LIMIT = 2000  # what Slack shows under a field
UNAVAILABLE = 503  # Slack retries an event; a command or a click shows Slack's own notice
GAVE_UP = (
    "Sorry: I could not finish {what}, and after several tries I gave up. Nothing more "
    "will come of it unless it is retried: try again, or ask whoever runs the bot to run "
    "`postmortem-bot inbox retry {item_id}` (inbox item {item_id})."
)

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
    if unavailable(error):
        # Not acknowledged, so not lost: Slack retries (X-Slack-No-Retry is not set).
        kind = body.get("command") or body.get("type") or "request"
        logger.warning("request not taken, answered 503 kind=%s error=%s", kind, _brief(error))
        return BoltResponse(status=UNAVAILABLE, body="")
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
    """Wrap a lazy listener: a UserError is told to the person who asked (and that is the
    end of it); a transient failure becomes the worker's `Retry`; anything else is raised
    for the worker to retry, and to tell the person (`tell_gave_up`) when it gives up."""

    def run(
        body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        try:
            listener(body=body, client=client, respond=respond, context=context)
        except UserError as error:
            tell(str(error), body, client, respond)
        except HandlerSignal:
            raise
        except Exception as error:
            signal = retry_for(error)
            if signal is not None:
                raise signal from error
            raise

    run.__name__ = listener.__name__
    return run


def tell_gave_up(item_id: int, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """A dead letter: tell who asked, ephemerally where they asked (response_url) or by DM."""
    text = GAVE_UP.format(what=_what(body), item_id=item_id)
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        limits.reply(respond, text=text, response_type="ephemeral", replace_original=False)
        return
    user_id = slack_delivery.user_of(body)
    if user_id is None:
        return
    # A user id as the channel: the bot's direct messages with that person.
    client.chat_postMessage(channel=user_id, text=limits.shorten(text, limits.MESSAGE_TEXT))


def _what(body: dict[str, Any]) -> str:
    if body.get("command"):
        typed = f"{body['command']} {body.get('text') or ''}".strip()
        shown = typed if len(typed) <= 80 else typed[:79] + "…"
        return f"`{escape(shown)}`"
    event = body.get("event") or {}
    kinds = {
        "message": "filing your message",
        "reaction_added": "taking your reaction into the timeline",
        "reaction_removed": "taking your reaction out of the timeline",
        "pin_added": "taking your pin into the timeline",
        "pin_removed": "taking your pin out of the timeline",
        "view_submission": "what you sent in the form",
        "block_actions": "what your click asked for",
    }
    return kinds.get(event.get("type") or body.get("type") or "", "your request")


def _brief(error: BaseException) -> str:
    """The error's type and first line, without the SQL and parameters SQLAlchemy adds."""
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [""])[0][:200]
    return f"{type(cause).__name__}: {first}" if first else type(cause).__name__


def tell(text: str, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """After the ack: ephemerally where the request came from, or by DM for a closed modal
    or a click in the App Home."""
    if body.get("response_url"):
        limits.reply(respond, text=text, response_type="ephemeral", replace_original=False)
        return
    user_id = (body.get("user") or {}).get("id")
    if not (body.get("type") == VIEW_SUBMISSION or in_home_tab(body)) or not user_id:
        return
    title = (((body.get("view") or {}).get("title")) or {}).get("text")
    try:
        # A user id as the channel: the bot's direct messages with that person.
        said = f"*{escape(title)}*: {text}" if title else text
        client.chat_postMessage(channel=user_id, text=limits.shorten(said, limits.MESSAGE_TEXT))
    except SlackApiError as failure:
        logger.warning("could not tell %s what failed: %s", user_id, failure.response.get("error"))


def in_home_tab(body: dict[str, Any]) -> bool:
    """A click in the App Home: its container is the Home view, not a message."""
    return ((body.get("container") or {}).get("type") == "view") and (
        (body.get("view") or {}).get("type") == "home"
    )


def _is_input(block: dict[str, Any]) -> bool:
    return block.get("type") == "input" and bool(block.get("block_id"))


def _json(answer: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
    )
