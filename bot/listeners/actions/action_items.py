"""The buttons under every listed action item: Done, Snooze a week, Change deadline.

Each click is acknowledged at once; the work runs after the ack, and a refusal
(not the owner, the lead or an admin: `bot.services.permissions`) reaches the clicker
privately through the error hook. Change deadline opens its date picker in the ack
itself: views.open needs the click's trigger, which expires 3 seconds after the click,
before the inbox worker (which runs the rest) may get to it. The picker's metadata (the
list to re-draw) is sealed, and read back only for where to re-draw: the person is
always the one who submits it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core import sealed
from bot.core.followup import local_today
from bot.errors import BadArguments, UserError
from bot.flows import item_done, timezones
from bot.flows.item_lists import Origin, redraw
from bot.listeners import acting
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background, tell
from bot.services import action_item_status, permissions
from bot.services import action_items as action_item_service
from bot.services.permissions import Action
from bot.slack import factor_choice_blocks, followup_blocks, interview_blocks, limits
from bot.slack.controls import chosen_value

OUT_OF_DATE = "That button is out of date; run `/postmortem actions` for a fresh list."


def register(app: App) -> None:
    app.action(followup_blocks.DONE)(ack=acknowledge, lazy=[in_background(done)])
    app.action(followup_blocks.SNOOZE)(ack=acknowledge, lazy=[in_background(snooze)])
    app.action(followup_blocks.DEADLINE)(ask_deadline)
    app.action(factor_choice_blocks.CHOOSE)(ack=acknowledge, lazy=[in_background(choose_factor)])


def acknowledge(ack: Ack) -> None:
    ack()


def done(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """Mark the item done, say so in the post-mortem's thread, re-draw the list."""
    deps = deps_of(context)
    origin, actor = clicked(body), acting.actor(body, context)
    with deps.sessions.begin() as session:
        change = action_item_status.mark_done(session, actor, origin.item_id, deps.clock())
    if change.changed:
        item_done.announce_done(client, change, deps.templates)
    redraw(origin, change.notice, deps, client)


def snooze(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    deps = deps_of(context)
    origin, actor = clicked(body), acting.actor(body, context)
    now = deps.clock()
    tz = timezones.timezone_of(
        client, actor.team_id, actor.user_id, now=now, sessions=deps.sessions
    )
    with deps.sessions.begin() as session:
        change = action_item_status.snooze(session, actor, origin.item_id, local_today(now, tz))
    redraw(origin, change.notice, deps, client)


def choose_factor(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Which factor the item addresses, as a person answered under its notice: link it
    (or leave it unlinked, "None of these") and redraw the notice without the question."""
    deps, actor = deps_of(context), acting.actor(body, context)
    chosen = factor_choice_blocks.chosen(chosen_value((body.get("actions") or [{}])[0]))
    if chosen is None:
        raise BadArguments(OUT_OF_DATE)
    item_id, chain = chosen
    with deps.sessions.begin() as session:
        postmortem_id = action_item_service.postmortem_of(session, actor.team_id, item_id)
        permissions.postmortem(session, Action.INTERVIEW, actor, postmortem_id)
        notice = action_item_service.link_factor(session, postmortem_id, item_id, chain)
    text, blocks = interview_blocks.item(notice, deps.templates)
    container = body.get("container") or {}
    if container.get("message_ts") and container.get("channel_id"):
        text, blocks = limits.within(text, blocks)
        client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], text=text, blocks=blocks
        )


def ask_deadline(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the date picker; the list to re-draw travels, sealed, in the modal's metadata."""
    ack()
    try:
        _open_deadline_picker(body, client, context)
    except UserError as error:  # not theirs to change: said to them alone
        tell(str(error), body, client, respond)


def clicked(body: dict[str, Any]) -> Origin:
    """The clicked item and the list it is in ("42:digest"), read strictly."""
    value = (body.get("actions") or [{}])[0].get("value")
    if not isinstance(value, str):
        raise BadArguments(OUT_OF_DATE)
    return Origin.from_click(body)


def _open_deadline_picker(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    deps = deps_of(context)
    origin, actor = clicked(body), acting.actor(body, context)
    metadata = sealed.seal(acting.metadata_key(deps.settings), origin.to_json())
    with deps.sessions() as session:
        item, _ = action_item_status.get_open(session, actor, origin.item_id)
        view = followup_blocks.deadline_modal(item, metadata)
    client.views_open(trigger_id=body["trigger_id"], view=view)
