"""The button under a follow-up review: the lead (or an admin) confirms the review happened."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core import ids
from bot.core.slack_text import utc_minute
from bot.errors import BadArguments
from bot.listeners import acting
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import followup_review
from bot.slack import followup_blocks, limits
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
    postmortem_id = ids.row_id((body.get("actions") or [{}])[0].get("value"))
    if postmortem_id is None:
        raise BadArguments("That button is out of date.")
    actor, now = acting.actor(body, context), deps.clock()
    user_id = actor.user_id
    with deps.sessions.begin() as session:
        _, newly = followup_review.confirm(session, actor, postmortem_id, now)
    if not newly:
        limits.reply(respond, text="The review was already confirmed.", replace_original=False)
        return
    container, message = body.get("container") or {}, body.get("message") or {}
    blocks = followup_blocks.review_confirmed(message.get("blocks") or [], user_id, utc_minute(now))
    text = message.get("text") or "Follow-up review"
    limits.update(client, container["channel_id"], container["message_ts"], text, blocks)
