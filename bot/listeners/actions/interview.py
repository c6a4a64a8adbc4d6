"""Interview buttons: go deeper, this is systemic, a factor's kind and layer, add an action item.

Each carries its post-mortem's id; it is checked (`bot.services.permissions`) against
the workspace, the channel it was clicked in and the person who clicked, and an id that
is not one the bot could have written is answered with a message.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core import ids
from bot.core.interview import Command
from bot.errors import BadArguments, UserError
from bot.flows.interview_thread import deliver
from bot.listeners import acting
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import interview, permissions
from bot.services.permissions import Action
from bot.slack import interview_blocks as say
from bot.slack import limits
from bot.slack.action_item_blocks import modal
from bot.slack.controls import chosen_value

UNREADABLE = "I could not read that button; ask the question again with `/postmortem interview`."


def register(app: App) -> None:
    app.action(say.SYSTEMIC)(ack=acknowledge, lazy=[in_background(systemic)])
    app.action(say.DEEPER)(ack=acknowledge, lazy=[in_background(deeper)])
    app.action(say.FACTOR_KIND)(ack=acknowledge, lazy=[in_background(factor_kind)])
    app.action(say.FACTOR_LAYER)(ack=acknowledge, lazy=[in_background(factor_layer)])
    # The modal must open within the trigger's 3 seconds, so it opens at ack time.
    app.action(say.ADD_ITEM)(open_item_modal)


def acknowledge(ack: Ack) -> None:
    ack()


def systemic(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    _press(body, client, context, Command.SYSTEMIC)


def deeper(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    _press(body, client, context, Command.DEEPER)


def factor_kind(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    postmortem_id, chain, kind = _target(body, parts=3)
    _choose(body, client, context, postmortem_id, chain, kind=kind)


def factor_layer(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    postmortem_id, chain, layer = _target(body, parts=3)
    _choose(body, client, context, postmortem_id, chain, layer=layer)


def open_item_modal(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """In the ack, so a refusal is said here, to the clicker alone (the hook says nothing
    for a click)."""
    ack()
    try:
        _open_item_modal(body, client, context)
    except UserError as error:
        limits.reply(respond, text=str(error), response_type="ephemeral", replace_original=False)


def _open_item_modal(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    deps, actor = deps_of(context), acting.actor(body, context)
    postmortem_id = ids.row_id(chosen_value(body["actions"][0]))
    if postmortem_id is None:
        raise BadArguments(UNREADABLE)
    with deps.sessions() as session:
        permissions.postmortem(session, Action.ADD_ITEM, actor, postmortem_id)
        factors = interview.factors_of(session, postmortem_id, actor.team_id)
    client.views_open(trigger_id=body["trigger_id"], view=modal(postmortem_id, factors))


def _press(body: dict[str, Any], client: WebClient, context: BoltContext, button: Command) -> None:
    deps, actor = deps_of(context), acting.actor(body, context)
    postmortem_id, chain, _ = _target(body, parts=2)
    with deps.sessions.begin() as session:
        permissions.postmortem(session, Action.INTERVIEW, actor, postmortem_id)
        outcome = interview.press(session, postmortem_id, chain, button, team_id=actor.team_id)
    deliver(client, deps, outcome)


def _choose(
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    postmortem_id: int,
    chain: int,
    **change: str,
) -> None:
    deps, actor = deps_of(context), acting.actor(body, context)
    with deps.sessions.begin() as session:
        permissions.postmortem(session, Action.INTERVIEW, actor, postmortem_id)
        thread, notice = interview.choose_factor(
            session, postmortem_id, chain, team_id=actor.team_id, user_id=actor.user_id, **change
        )
    text, blocks = say.factor(notice, deps.templates)
    message_ts = (body.get("container") or {}).get("message_ts")
    if message_ts and body.get("message"):
        limits.update(client, thread.channel_id, message_ts, text, blocks)


def _target(body: dict[str, Any], *, parts: int) -> tuple[int, int, str]:
    """The post-mortem id, chain and choice a clicked element carries ("12:1:testing")."""
    fields = chosen_value(body["actions"][0]).split(":", parts - 1)
    if len(fields) != parts:
        raise BadArguments(UNREADABLE)
    postmortem_id, chain = ids.row_id(fields[0]), ids.index(fields[1])
    if postmortem_id is None or chain is None:
        raise BadArguments(UNREADABLE)
    return postmortem_id, chain, fields[2] if parts == 3 else ""
