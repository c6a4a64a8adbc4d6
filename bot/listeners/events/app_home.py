"""`app_home_opened`: a person opened the bot's Home tab; publish their Home.

Acknowledged at once; opening the Messages tab records nothing. The Home is drawn
after the ack, from the inbox like all lazy work, in the person's own workspace (the
installation's, `installed_team`). A retried delivery is one inbox item (the inbox
keys it by event id), and `views.publish` replaces the whole tab, so drawing it again
(the inbox replaying an item a crash cut short) shows the same Home: no claim of the
event id, which a crash between the claim and the publish would leave standing, the
Home never drawn, and which would keep a row for every time anyone opened the tab.
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
    app_home.publish(deps_of(context), client, installed_team(body, context), str(event["user"]))
