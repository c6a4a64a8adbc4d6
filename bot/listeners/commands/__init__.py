"""`/postmortem <subcommand>`: acknowledge at once, do the work after the ack.

Each module here handles a family of subcommands, declared on their handlers
(`@FAMILY.subcommand(...)`, see `bot.listeners.command_line`); `registry`
collects them, and both listeners below read that one registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import UserError
from bot.inbox.recording import settled_in_ack
from bot.listeners.command_line import Command, Invocation
from bot.listeners.commands import registry
from bot.listeners.commands.registry import Registry
from bot.listeners.deps import deps_of
from bot.listeners.errors import BackgroundListener, in_background
from bot.slack import limits

COMMAND = "/postmortem"


def register(app: App) -> None:
    known = registry.build()  # a subcommand without a handler stops the app here
    app.command(COMMAND)(ack=acknowledger(known), lazy=[in_background(dispatcher(known))])


def acknowledger(known: Registry) -> Callable[..., None]:
    def acknowledge(
        ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """Answer within Slack's 3 seconds: help and mistakes at once, everything else later."""
        try:
            parsed = known.parse(body.get("text", ""))
        except UserError as error:
            settled_in_ack(context)
            ack(response_type="ephemeral", text=str(error))
            return
        if not known[parsed.name].answers_in_ack(parsed):
            ack()
            return
        settled_in_ack(context)
        # `ack` takes `text` and `response_type` as `respond` does: the answer is the ack.
        known.handler(parsed.name)(
            invocation(parsed, body, client, limits.fitting(ack, once=True), context)
        )

    return acknowledge


def dispatcher(known: Registry) -> BackgroundListener:
    def run_subcommand(
        body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        try:
            parsed = known.parse(body.get("text", ""))
        except UserError:
            return  # already answered by `acknowledge`
        if known[parsed.name].answers_in_ack(parsed):
            return  # answered in the ack
        known.handler(parsed.name)(
            invocation(parsed, body, client, limits.fitting(respond), context)
        )

    return run_subcommand


def invocation(
    parsed: Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Callable[..., Any],
    context: BoltContext,
) -> Invocation:
    """Who and where from Bolt's context (it read them from the slash command's form)."""
    team_id, user_id, channel_id = context.team_id, context.user_id, context.channel_id
    if not (team_id and user_id and channel_id):
        raise ValueError(f"{COMMAND} came without a team, user or channel id")
    return Invocation(
        command=parsed,
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        client=client,
        respond=respond,
        deps=deps_of(context),
        context=context,
        trigger_id=body.get("trigger_id"),
    )
