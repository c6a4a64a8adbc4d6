"""Interview buttons: go deeper, this is systemic, a factor's kind and layer, add an action item."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.interview import Command
from bot.errors import BadArguments
from bot.flows.interview_thread import deliver
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import interview
from bot.slack import interview_blocks as say
from bot.slack.action_item_blocks import modal
from bot.slack.controls import chosen_value


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
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    postmortem_id = int(chosen_value(body["actions"][0]))
    with deps.sessions() as session:
        factors = interview.factors_of(session, postmortem_id, _team(body))
    client.views_open(trigger_id=body["trigger_id"], view=modal(postmortem_id, factors))


def _press(body: dict[str, Any], client: WebClient, context: BoltContext, button: Command) -> None:
    deps = deps_of(context)
    postmortem_id, chain, _ = _target(body, parts=2)
    with deps.sessions.begin() as session:
        outcome = interview.press(session, postmortem_id, int(chain), button, team_id=_team(body))
    deliver(client, deps, outcome)


def _choose(
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    postmortem_id: int,
    chain: str,
    **change: str,
) -> None:
    deps = deps_of(context)
    with deps.sessions.begin() as session:
        thread, notice = interview.choose_factor(
            session,
            postmortem_id,
            int(chain),
            team_id=_team(body),
            user_id=body["user"]["id"],
            **change,
        )
    text, blocks = say.factor(notice, deps.templates)
    message_ts = (body.get("container") or {}).get("message_ts")
    if message_ts and body.get("message"):
        client.chat_update(channel=thread.channel_id, ts=message_ts, text=text, blocks=blocks)


def _target(body: dict[str, Any], *, parts: int) -> tuple[int, str, str]:
    """The post-mortem id, chain and choice a clicked element carries ("12:1:testing")."""
    fields = chosen_value(body["actions"][0]).split(":", parts - 1)
    if len(fields) != parts or not fields[0].isdigit() or not fields[1].isdigit():
        raise BadArguments(
            "I could not read that button; ask the question again with `/postmortem interview`."
        )
    return int(fields[0]), fields[1], fields[2] if parts == 3 else ""


def _team(body: dict[str, Any]) -> str:
    return (body.get("team") or {}).get("id") or body["user"]["team_id"]
