"""The follow-up review of a post-mortem: moving its date, confirming it happened."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.core.slack_text import mention
from bot.errors import BadArguments, NotFound
from bot.services.action_item_status import NotAllowed
from storage.models import Postmortem
from storage.repositories import postmortems


def move(
    session: Session, team_id: str, channel_id: str, user_id: str, day: date, today: date
) -> Postmortem:
    """`/postmortem followup <date>`: the lead sets the review day of the channel's post-mortem."""
    postmortem = postmortems.get_by_channel(session, team_id, channel_id)
    if postmortem is None:
        raise NotFound(
            "There is no post-mortem in this channel yet: start one with `/postmortem start`."
        )
    _lead_only(postmortem, user_id, "move its follow-up review")
    if day < today:
        raise BadArguments("The follow-up review cannot be in the past; pick today or later.")
    postmortem.followup_review_on = day
    postmortem.review_confirmed_at = postmortem.review_confirmed_by = None
    return postmortem


def confirm(
    session: Session, team_id: str, postmortem_id: int, user_id: str, now: datetime
) -> tuple[Postmortem, bool]:
    """The lead says the review happened; (post-mortem, newly confirmed)."""
    postmortem = postmortems.get(session, postmortem_id)
    if postmortem is None or postmortem.team_id != team_id:
        raise NotFound("That post-mortem no longer exists.")
    _lead_only(postmortem, user_id, "confirm its follow-up review")
    if postmortem.review_confirmed_at is not None:
        return postmortem, False
    postmortem.review_confirmed_at, postmortem.review_confirmed_by = now, user_id
    return postmortem, True


def _lead_only(postmortem: Postmortem, user_id: str, what: str) -> None:
    if user_id != postmortem.lead_user_id:
        raise NotAllowed(
            f"Only {mention(postmortem.lead_user_id)}, the post-mortem lead, can {what}."
        )
