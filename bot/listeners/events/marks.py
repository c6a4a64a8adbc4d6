"""The key reaction (KEY_REACTION, `pushpin` by default) and pins mark a message as key.

Acknowledged at once; the work runs after the ack because a message the timeline does
not have yet is fetched from Slack first. The event id is claimed in the transaction
that applies the mark (`bot.services.marks.apply`), so a retried delivery changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.spoken import Message, OwnBot, pin_mark, same_reaction
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.listeners.events.messages import installed_team
from bot.services import marks
from bot.services.marks import MarkRequest
from bot.slack import harvest

logger = logging.getLogger(__name__)

REACTIONS = {"reaction_added": True, "reaction_removed": False}
PINS = {"pin_added": True, "pin_removed": False}


def register(app: App) -> None:
    for name in (*REACTIONS, *PINS):
        app.event(name)(ack=acknowledge, lazy=[in_background(on_mark)])


def acknowledge(ack: Ack) -> None:
    ack()


def on_mark(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    deps = deps_of(context)
    event = body["event"]
    request = mark_request(body, event, deps.settings.key_reaction, installed_team(body, context))
    if request is None:
        return
    with deps.sessions.begin() as session:
        needed = marks.needs_message(session, request)
    if needed is None:
        return  # no open post-mortem watches this channel
    message = _message(client, event, request) if needed else None
    own = OwnBot(context.bot_user_id, context.bot_id)
    with deps.sessions.begin() as session:
        marks.apply(session, request, message, own, event_id=body.get("event_id"))


def mark_request(
    body: dict[str, Any], event: dict[str, Any], key_reaction: str, team_id: str | None = None
) -> MarkRequest | None:
    """What the event asks, or None for reactions on files, other emoji, or other items."""
    kind = event.get("type", "")
    item = event.get("item") or {}
    if item.get("type") != "message":
        return None
    if kind in REACTIONS:
        if not same_reaction(event.get("reaction", ""), key_reaction):
            return None
        channel, ts = item.get("channel"), item.get("ts")
        marked_by, adding = f"reaction:{event.get('user', '')}", REACTIONS[kind]
    elif kind in PINS:
        channel = item.get("channel") or event.get("channel_id")
        ts = (item.get("message") or {}).get("ts")
        pinned_by = item.get("created_by") or event.get("user")
        marked_by, adding = pin_mark(pinned_by), PINS[kind]
    else:
        return None
    if not channel or not ts:
        return None
    # `team_id` is the installation's (Slack Connect: the outer one is the reactor's org).
    return MarkRequest(team_id or body.get("team_id", ""), channel, ts, marked_by, adding)


def _message(client: WebClient, event: dict[str, Any], request: MarkRequest) -> Message | None:
    """The marked message: a pin event carries it; for a reaction, ask Slack."""
    pinned = (event.get("item") or {}).get("message")
    if pinned and pinned.get("ts") == request.ts:
        return pinned
    try:
        return harvest.one_message(client, request.channel_id, request.ts)
    except SlackApiError as error:
        # Gone, or not ours to read: there is nothing to mark.
        logger.info("marked message unreadable error=%s", error.response.get("error"))
        return None
