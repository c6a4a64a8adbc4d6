"""The Publish button: at the end of the interview and under a report preview."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import BadArguments
from bot.flows import publishing
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.slack.controls import chosen_value
from bot.slack.report_blocks import PUBLISH


def register(app: App) -> None:
    app.action(PUBLISH)(ack=acknowledge, lazy=[in_background(publish)])


def acknowledge(ack: Ack) -> None:
    ack()


def publish(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The button carries the post-mortem's id; the team it was clicked in must own it."""
    value = chosen_value(body["actions"][0])
    if not value.isdigit():
        raise BadArguments("That button is out of date; use `/postmortem publish` instead.")
    team_id = (body.get("team") or {}).get("id") or body["user"]["team_id"]
    outcome = publishing.publish(
        deps_of(context),
        client,
        team_id=team_id,
        postmortem_id=int(value),
        user_id=body["user"]["id"],
    )
    respond(response_type="ephemeral", text=outcome.words(), replace_original=False)
