"""The Publish button: at the end of the interview and under a report preview.

The button carries the post-mortem's id. Only its lead or an admin may publish it, and
only from its own channel: the id is checked against the workspace, the channel the
button was clicked in and the person who clicked (`bot.services.permissions`), so a
button carrying another post-mortem's id publishes nothing.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core import ids
from bot.errors import BadArguments
from bot.flows import publishing
from bot.listeners import acting
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import gaps, permissions
from bot.services.permissions import Action
from bot.slack import limits
from bot.slack.controls import chosen_value
from bot.slack.report_blocks import ACK_DELETED, PUBLISH


def register(app: App) -> None:
    app.action(PUBLISH)(ack=acknowledge, lazy=[in_background(publish)])
    app.action(ACK_DELETED)(ack=acknowledge, lazy=[in_background(acknowledge_deleted)])


def acknowledge(ack: Ack) -> None:
    ack()


def publish(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    deps, actor = deps_of(context), acting.actor(body, context)
    postmortem_id = ids.row_id(chosen_value(body["actions"][0]))
    if postmortem_id is None:
        raise BadArguments("That button is out of date; use `/postmortem publish` instead.")
    with deps.sessions() as session:
        permissions.postmortem(session, Action.PUBLISH, actor, postmortem_id)
    outcome = publishing.publish(
        deps,
        client,
        team_id=actor.team_id,
        postmortem_id=postmortem_id,
        user_id=actor.user_id,
        request_id=body.get("trigger_id"),  # a replay of this click resumes its own publish
    )
    limits.reply(respond, response_type="ephemeral", text=outcome.words(), replace_original=False)


def acknowledge_deleted(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The preview's "removed on purpose" button: as `/postmortem gap ack deleted`."""
    deps, actor = deps_of(context), acting.actor(body, context)
    postmortem_id = ids.row_id(chosen_value(body["actions"][0]))
    if postmortem_id is None:
        raise BadArguments("That button is out of date; use `/postmortem gap ack deleted`.")
    with deps.sessions.begin() as session:
        permissions.postmortem(session, Action.INTERVIEW, actor, postmortem_id)
        count = gaps.acknowledge_deleted_of(
            session, postmortem_id, by=actor.user_id, now=deps.clock()
        )
    said = gaps.acknowledged_words(count)
    limits.reply(respond, response_type="ephemeral", text=said, replace_original=False)
