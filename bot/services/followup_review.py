"""The follow-up review of a post-mortem: moving its date, confirming it happened."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.errors import BadArguments, NotFound
from bot.services import permissions
from bot.services.permissions import Action, Actor
from storage.models import Postmortem
from storage.repositories import postmortems


def move(session: Session, actor: Actor, day: date, today: date) -> Postmortem:
    """`/postmortem followup <date>`: the lead sets the review day of the channel's post-mortem."""
    postmortem = postmortems.get_by_channel(session, actor.team_id, actor.channel_id or "")
    if postmortem is None:
        raise NotFound(
            "There is no post-mortem in this channel yet: start one with `/postmortem start`."
        )
    permissions.require(Action.MOVE_REVIEW, actor, permissions.of_postmortem(postmortem))
    if day < today:
        raise BadArguments("The follow-up review cannot be in the past; pick today or later.")
    postmortem.followup_review_on = day
    postmortem.review_confirmed_at = postmortem.review_confirmed_by = None
    return postmortem


def confirm(
    session: Session, actor: Actor, postmortem_id: int, now: datetime
) -> tuple[Postmortem, bool]:
    """The lead says the review happened; (post-mortem, newly confirmed)."""
    postmortem = permissions.postmortem(session, Action.CONFIRM_REVIEW, actor, postmortem_id)
    if postmortem.review_confirmed_at is not None:
        return postmortem, False
    postmortem.review_confirmed_at, postmortem.review_confirmed_by = now, actor.user_id
    return postmortem, True
