"""`/postmortem actions [all]` and `/postmortem followup <date>`."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.core.followup import local_today, parse_day
from bot.errors import BadArguments
from bot.flows import timezones
from bot.flows.deps import Deps
from bot.listeners import command_line
from bot.listeners.deps import deps_of
from bot.services import action_item_lists, followup_review
from bot.slack import followup_messages
from bot.slack.text import escape


def list_actions(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """The caller's open items, or with `all` every item of the channel's post-mortem."""
    scope = parsed.rest.strip().lower()
    if scope not in ("", "all"):
        raise BadArguments("Usage: `/postmortem actions` or `/postmortem actions all`.")
    deps = deps_of(context)
    team_id, user_id = body["team_id"], body["user_id"]
    today = _today(deps, client, team_id, user_id)
    with deps.sessions.begin() as session:
        if scope == "all":
            heading, rows = action_item_lists.of_channel(session, team_id, body["channel_id"])
            listing = followup_messages.ALL
        else:
            heading, rows = (
                "Your open action items",
                action_item_lists.mine(session, team_id, user_id),
            )
            listing = followup_messages.MINE
        text, blocks = followup_messages.item_list(
            deps.templates, rows, today, heading=heading, listing=listing
        )
    respond(text=text, blocks=blocks, response_type="ephemeral")


def move_followup(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """The lead moves the channel post-mortem's follow-up review; the channel is told."""
    deps = deps_of(context)
    team_id, user_id = body["team_id"], body["user_id"]
    today = _today(deps, client, team_id, user_id)
    day = parse_day(parsed.rest, today) if parsed.rest.strip() else None
    if day is None:
        raise BadArguments(
            "Usage: `/postmortem followup [date]`, e.g. `2026-12-22` or `next friday`."
        )
    with deps.sessions.begin() as session:
        postmortem = followup_review.move(session, team_id, body["channel_id"], user_id, day, today)
        title = postmortem.title
    label = followup_messages.day_label(day)
    respond(
        text=f"The follow-up review of *{escape(title)}* is now on {label}: "
        "that morning I will post every action item's status here.",
        response_type="in_channel",
    )


def _today(deps: Deps, client: WebClient, team_id: str, user_id: str) -> date:
    now = deps.clock()
    return local_today(now, timezones.timezone_of(deps.sessions, client, team_id, user_id, now=now))


HANDLERS = {"actions": list_actions, "followup": move_followup}
