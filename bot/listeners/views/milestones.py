"""The milestones modal: read, check and save in the ack; a mistake goes back beside its field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlalchemy.orm import Session

from bot.core.followup import zone
from bot.core.manual_time import TimeNotUnderstood, parse_moment
from bot.core.milestones import ORDER, Name
from bot.errors import NotFound, UserError
from bot.listeners.deps import deps_of
from bot.services import milestones, postmortems
from bot.slack.milestone_blocks import MILESTONES_VIEW, ModalState, block_id, values_of
from storage.models import Postmortem


def register(app: App) -> None:
    app.view(MILESTONES_VIEW)(save)


def save(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    view = body["view"]
    state = ModalState.from_json(view.get("private_metadata") or "{}")
    user_id = (body.get("user") or {}).get("id") or ""
    now = deps.clock()
    typed = values_of(view)
    try:
        with deps.sessions.begin() as session:
            postmortem = postmortems.get_or_raise(session, state.postmortem_id)
            if postmortem.team_id != state.team_id or context.team_id not in (None, state.team_id):
                raise NotFound("That post-mortem does not exist.")
            errors = _apply(session, postmortem, typed, state, by=user_id, now=now)
            if errors:
                raise _Refused(errors)  # nothing saved: the modal stays open
    except _Refused as refused:
        ack(response_action="errors", errors=refused.errors)
        return
    except UserError as error:
        ack(response_action="errors", errors={block_id(ORDER[0]): str(error)})
        return
    ack()


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
            at = parse_moment(value, now=now, zone=zone(state.zone_name))
            milestones.set_time(session, postmortem, name, at, by=by, now=now)
        except (TimeNotUnderstood, UserError) as error:
            errors[block_id(name)] = str(error)
    return errors
