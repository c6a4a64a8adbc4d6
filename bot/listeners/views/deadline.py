"""The Change deadline modal: validate and save in the ack, re-draw the list after it."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.followup import day_label, local_today
from bot.errors import BadArguments, UserError
from bot.flows.item_lists import Origin, redraw
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import action_item_status, timezones
from bot.slack.followup_blocks import DEADLINE_BLOCK, DEADLINE_INPUT, DEADLINE_VIEW


def register(app: App) -> None:
    app.view(DEADLINE_VIEW)(ack=save, lazy=[in_background(redraw_list)])


def save(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Errors go back into the modal, beside the date picker, while it is still open."""
    deps = deps_of(context)
    try:
        origin = Origin.from_json(body["view"].get("private_metadata", ""))
        picked = _picked(body)
        with deps.sessions.begin() as session:
            today = local_today(
                deps.clock(), timezones.cached_timezone(session, origin.team_id, origin.user_id)
            )
            action_item_status.change_deadline(
                session, origin.team_id, origin.item_id, origin.user_id, picked, today
            )
    except UserError as error:
        ack(response_action="errors", errors={DEADLINE_BLOCK: str(error)})
        return
    ack()


def _picked(body: dict[str, Any]) -> date:
    values = body["view"].get("state", {}).get("values", {})
    chosen = (values.get(DEADLINE_BLOCK) or {}).get(DEADLINE_INPUT) or {}
    try:
        return date.fromisoformat(chosen.get("selected_date") or "")
    except ValueError:
        raise BadArguments("Pick a date.") from None


def redraw_list(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    deps = deps_of(context)
    origin = Origin.from_json(body["view"].get("private_metadata", ""))
    with deps.sessions() as session:
        item, _ = action_item_status.get_changeable(
            session, origin.team_id, origin.item_id, origin.user_id
        )
        due = day_label(item.deadline) if item.deadline else "undated"
        notice = f":calendar: {item.code} is now due {due}."
    redraw(origin, notice, deps, client)
