"""`/postmortem <subcommand>`: acknowledge at once, do the work after the ack.

Each module here handles a family of subcommands and exports `HANDLERS`,
a map from subcommand name to a function `(command, body, client, respond, context)`.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import UserError
from bot.listeners import command_line
from bot.listeners.commands import actions, interview, report, start, timeline
from bot.listeners.errors import in_background

COMMAND = "/postmortem"
HANDLERS = {
    **start.HANDLERS,
    **timeline.HANDLERS,
    **actions.HANDLERS,
    **interview.HANDLERS,
    **report.HANDLERS,
}


def register(app: App) -> None:
    app.command(COMMAND)(ack=acknowledge, lazy=[in_background(run_subcommand)])


def acknowledge(ack: Ack, command: dict[str, Any]) -> None:
    """Answer within Slack's 3 seconds: help and mistakes at once, everything else later."""
    try:
        parsed = command_line.parse(command.get("text", ""))
    except UserError as error:
        ack(response_type="ephemeral", text=str(error))
        return
    if parsed.name == "help":
        ack(response_type="ephemeral", text=command_line.help_text())
        return
    ack()


def run_subcommand(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    try:
        parsed = command_line.parse(body.get("text", ""))
    except UserError:
        return  # already answered by `acknowledge`
    handler = HANDLERS.get(parsed.name)
    if handler is not None:
        handler(parsed, body, client, respond, context)
