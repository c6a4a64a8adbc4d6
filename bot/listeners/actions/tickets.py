"""The Create ticket buttons: under a listed action item (`/postmortem actions`, the
digest) and under an item's notice in the interview thread.

Acknowledged at once; the filing runs after the ack (`bot.flows.tickets.file_one`), and
the list is drawn again with what happened on top: the ticket's link, or what the
tracker said when it refused (the item keeps its state). Who may: whoever may change the
item (`bot.services.permissions`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core import ids
from bot.errors import BadArguments
from bot.flows import tickets
from bot.flows.item_lists import redraw
from bot.listeners import acting
from bot.listeners.actions.action_items import OUT_OF_DATE, clicked
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.slack import followup_blocks, interview_blocks, limits


def register(app: App) -> None:
    app.action(followup_blocks.TICKET)(ack=_acknowledge, lazy=[in_background(create_ticket)])
    app.action(interview_blocks.ITEM_TICKET)(
        ack=_acknowledge, lazy=[in_background(create_from_thread)]
    )


def _acknowledge(ack: Ack) -> None:
    ack()


def create_ticket(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    deps = deps_of(context)
    origin, actor = clicked(body), acting.actor(body, context)
    words = tickets.file_one(deps, client, actor, origin.item_id)
    redraw(origin, words, deps, client)


def create_from_thread(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Create ticket under an item's notice in the interview thread: the clicker alone is
    told the ticket's link or the tracker's refusal."""
    deps = deps_of(context)
    item_id = ids.row_id((body.get("actions") or [{}])[0].get("value"))
    if item_id is None:
        raise BadArguments(OUT_OF_DATE)
    words = tickets.file_one(deps, client, acting.actor(body, context), item_id)
    limits.reply(respond, text=words, response_type="ephemeral", replace_original=False)
