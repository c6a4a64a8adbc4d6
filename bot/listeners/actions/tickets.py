"""The Create ticket button under a listed action item (`/postmortem actions`, the digest).

Acknowledged at once; the filing runs after the ack (`bot.flows.tickets.file_one`), and
the list is drawn again with what happened on top: the ticket's link, or what the
tracker said when it refused (the item keeps its state). Who may: whoever may change the
item (`bot.services.permissions`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.flows import tickets
from bot.flows.item_lists import redraw
from bot.listeners import acting
from bot.listeners.actions.action_items import clicked
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.slack import followup_blocks


def register(app: App) -> None:
    app.action(followup_blocks.TICKET)(ack=_acknowledge, lazy=[in_background(create_ticket)])


def _acknowledge(ack: Ack) -> None:
    ack()


def create_ticket(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    deps = deps_of(context)
    origin, actor = clicked(body), acting.actor(body, context)
    words = tickets.file_one(deps, client, actor, origin.item_id)
    redraw(origin, words, deps, client)
