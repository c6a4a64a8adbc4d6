"""The Change deadline modal: validate and save in the ack, re-draw the list after it.

Its metadata (sealed when the picker opened) says only which item and where its list
is; the workspace and the person are the request's own (`acting.actor`), so a modal
handed to, or forged by, someone else acts as them, and the permissions decide.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core import ids, sealed
from bot.core.followup import day_label, local_today
from bot.errors import BadArguments, UserError
from bot.flows.item_lists import Origin, redraw
from bot.listeners import acting
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import action_item_status, timezones
from bot.services.permissions import Actor
from bot.slack.followup_blocks import DEADLINE_BLOCK, DEADLINE_INPUT, DEADLINE_VIEW

OUT_OF_DATE = "That form is out of date; open it again from the list."


def register(app: App) -> None:
    app.view(DEADLINE_VIEW)(ack=save, lazy=[in_background(redraw_list)])


def save(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Errors go back into the modal, beside the date picker, while it is still open."""
    deps = deps_of(context)
    try:
        actor = acting.actor(body, context)
        origin = submitted_origin(body, actor, context)
        picked = _picked(body)
        with deps.sessions.begin() as session:
            zone = timezones.cached_timezone(session, actor.team_id, actor.user_id)
            today = local_today(deps.clock(), zone)
            action_item_status.change_deadline(session, actor, origin.item_id, picked, today)
    except UserError as error:
        ack(response_action="errors", errors={DEADLINE_BLOCK: str(error)})
        return
    ack()


def submitted_origin(body: dict[str, Any], actor: Actor, context: BoltContext) -> Origin:
    """Where the list is, from the sealed metadata; who and which workspace, from the request."""
    origin = sealed_origin(body, context)
    return dataclasses.replace(origin, team_id=actor.team_id, user_id=actor.user_id)


def sealed_origin(body: dict[str, Any], context: BoltContext) -> Origin:
    """The metadata as the bot sealed it when the modal opened (its `user_id`: the opener)."""
    view: dict[str, Any] = body["view"] if isinstance(body.get("view"), dict) else {}
    metadata = view.get("private_metadata")
    key = acting.metadata_key(deps_of(context).settings)
    text = sealed.unseal(key, metadata) if isinstance(metadata, str) else None
    if text is None:
        raise BadArguments(OUT_OF_DATE)
    origin = Origin.from_json(text)
    if not isinstance(origin.item_id, int) or ids.row_id(str(origin.item_id)) is None:
        raise BadArguments(OUT_OF_DATE)
    return origin


def _picked(body: dict[str, Any]) -> date:
    values = body["view"].get("state", {}).get("values", {})
    chosen = (values.get(DEADLINE_BLOCK) or {}).get(DEADLINE_INPUT) or {}
    try:
        return date.fromisoformat(chosen.get("selected_date") or "")
    except (TypeError, ValueError):
        raise BadArguments("Pick a date.") from None


def redraw_list(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    deps = deps_of(context)
    actor = acting.actor(body, context)
    if sealed_origin(body, context).user_id != actor.user_id:
        return  # saved as the submitter; the list on screen is the opener's, not theirs
    origin = submitted_origin(body, actor, context)
    try:
        picked = _picked(body)
        with deps.sessions() as session:
            item, _ = action_item_status.get_changeable(session, actor, origin.item_id)
    except UserError:
        return  # refused in the ack: the modal said why, and the list did not change
    if item.deadline != picked:
        return  # the change was refused (a past date, a done item): nothing to redraw as done
    redraw(origin, f":calendar: {item.code} is now due {day_label(picked)}.", deps, client)
