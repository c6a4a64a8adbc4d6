"""The milestones modal: read, check and save in the ack; a mistake goes back beside its field.

The post-mortem its metadata names is checked against the request's workspace and the
person who submits it, who must belong to its channel (`bot.services.permissions`);
metadata the bot could not have written keeps the modal open with a message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core import ids
from bot.core.followup import zone
from bot.core.manual_time import TimeNotUnderstood
from bot.core.milestones import ORDER, Name
from bot.errors import BadArguments, UserError
from bot.listeners import acting
from bot.listeners.deps import deps_of
from bot.services import alerts, milestones, permissions
from bot.services.permissions import Action
from bot.slack.milestone_blocks import MILESTONES_VIEW, ModalState, block_id, values_of
from storage.models import Postmortem


def register(app: App) -> None:
    app.view(MILESTONES_VIEW)(save)


OUT_OF_DATE = "This form is out of date; open it again with `/postmortem milestone`."


def save(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    deps = deps_of(context)
    view = body["view"]
    now = deps.clock()
    try:
        actor = acting.actor(body, context)
        state, typed = _state(view), _typed(view)
        # Asked of Slack before the session opens: a call inside it would hold the database.
        member = acting.membership(client, deps.sessions, actor, state.postmortem_id)
        with deps.sessions.begin() as session:
            postmortem = permissions.postmortem(
                session, Action.MILESTONES, actor, state.postmortem_id, member=member
            )
            errors = _apply(session, postmortem, typed, state, by=actor.user_id, now=now)
            if errors:
                raise _Refused(errors)  # nothing saved: the modal stays open
            # The window the milestones now give may hold alerts kept before it did.
            single = not deps.settings.oauth
            alerts.file_kept(session, postmortem, single_workspace=single, now=now)
    except _Refused as refused:
        ack(response_action="errors", errors=refused.errors)
        return
    except UserError as error:
        ack(response_action="errors", errors={block_id(ORDER[0]): str(error)})
        return
    ack()


def _state(view: dict[str, Any]) -> ModalState:
    """The metadata as the bot wrote it when the modal opened, or BadArguments."""
    try:
        state = ModalState.from_json(view.get("private_metadata") or "{}")
    except (ValueError, TypeError, KeyError, AttributeError):
        raise BadArguments(OUT_OF_DATE) from None
    if ids.row_id(str(state.postmortem_id)) is None:
        raise BadArguments(OUT_OF_DATE)
    return state


def _typed(view: dict[str, Any]) -> dict[Name, str]:
    try:
        return values_of(view)
    except (AttributeError, TypeError):  # a state Slack would not send: not dicts all the way
        raise BadArguments(OUT_OF_DATE) from None


class _Refused(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("milestones refused")
        self.errors = errors


def _apply(
    session: Session,
    postmortem: Postmortem,
    typed: dict[Name, str],
    state: ModalState,
    *,
    by: str,
    now: datetime,
) -> dict[str, str]:
    """Save every field the person changed; the mistakes, by block, for the modal."""
    errors: dict[str, str] = {}
    for name, value in typed.items():
        before = state.initial.get(name.value, "")
        if value == before:
            continue
        if not value:
            milestones.clear(session, postmortem, name)
            continue
        try:
            milestones.set_typed(
                session, postmortem, name, value, zone=zone(state.zone_name), by=by, now=now
            )
        except (TimeNotUnderstood, UserError) as error:
            errors[block_id(name)] = str(error)
    return errors
