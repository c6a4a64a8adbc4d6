"""The button under a follow-up review: the lead confirms the review happened."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.slack_text import utc_minute
from bot.errors import BadArguments
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import followup_review
from bot.slack import followup_blocks
from bot.slack.followup_blocks import REVIEW_CONFIRM


def register(app: App) -> None:
    app.action(REVIEW_CONFIRM)(ack=acknowledge, lazy=[in_background(confirm)])


def acknowledge(ack: Ack) -> None:
    ack()


def confirm(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Record who confirmed and when (the report's checklist reads it); update the post."""
    deps = deps_of(context)
    value = body["actions"][0].get("value", "")
    if not value.isdigit():
        raise BadArguments("That button is out of date.")
    user_id, now = body["user"]["id"], deps.clock()
    with deps.sessions.begin() as session:
        _, newly = followup_review.confirm(session, body["team"]["id"], int(value), user_id, now)
    if not newly:
        respond(text="The review was already confirmed.", replace_original=False)
        return
    container, message = body.get("container") or {}, body.get("message") or {}
    blocks = followup_blocks.review_confirmed(message.get("blocks") or [], user_id, utc_minute(now))
    client.chat_update(
        channel=container["channel_id"],
        ts=container["message_ts"],
        text=message.get("text") or "Follow-up review",
        blocks=blocks,
    )
