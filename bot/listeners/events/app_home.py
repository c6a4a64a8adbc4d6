"""`app_home_opened`: a person opened the bot's Home tab; publish their Home.

Acknowledged at once; opening the Messages tab records nothing. The Home is drawn
after the ack, from the inbox like all lazy work, in the person's own workspace (the
installation's, `installed_team`). The event id is claimed before the Home is
published and given back if publishing fails, so a retried delivery publishes once
and a failed one is published by its retry.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.flows import app_home
from bot.inbox.recording import settled_in_ack
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.listeners.events.messages import installed_team
from bot.services import deliveries

HOME_TAB = "home"


def register(app: App) -> None:
    app.event("app_home_opened")(ack=acknowledge, lazy=[in_background(on_home_opened)])


def acknowledge(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    if not opened_home(event):
        settled_in_ack(context)  # the Messages tab: nothing to draw
    ack()


def opened_home(event: dict[str, Any]) -> bool:
    return event.get("tab") == HOME_TAB and bool(event.get("user"))


def on_home_opened(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    event = body.get("event") or {}
    if not opened_home(event):
        return
    deps, team_id, event_id = deps_of(context), installed_team(body, context), body.get("event_id")
    with deps.sessions.begin() as session:
        if not deliveries.first_time(session, "slack", event_id, team_id=team_id):
            return
    try:
        app_home.publish(deps, client, team_id, str(event["user"]))
    except Exception:
        with deps.sessions.begin() as session:
            deliveries.release(session, "slack", event_id)
        raise
