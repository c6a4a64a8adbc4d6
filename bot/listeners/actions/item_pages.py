"""The "Previous page" and "Next page" buttons of `/postmortem actions [all]`.

Acknowledged at once; the page is drawn after the ack (`bot.flows.item_lists.turn_page`)
in place of the one clicked, through its response URL. The button's value is read
strictly and its post-mortem checked against the click: the clicker's workspace, and
the channel the list was shown in.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.flows.item_lists import turn_page
from bot.listeners import acting
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.slack import item_page_blocks


def register(app: App) -> None:
    app.action(item_page_blocks.PAGE)(ack=_acknowledge, lazy=[in_background(page)])


def _acknowledge(ack: Ack) -> None:
    ack()


def page(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    value = (body.get("actions") or [{}])[0].get("value")
    wanted = item_page_blocks.parse_page_value(value)
    turn_page(deps_of(context), client, acting.actor(body, context), wanted, respond)
