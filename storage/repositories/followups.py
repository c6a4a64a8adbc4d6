"""Post-mortems that follow-up watches: unpublished ones, and ones with a review ahead.

Functions take a Session and never commit. These are the follow-up jobs' sweeps over
every workspace: each row carries its `team_id`, and a job handles it within that
workspace alone (its token, its people); nothing here answers a request. In
multi-workspace mode a job runs once per installed workspace and passes its
`team_id`, so that run sees that workspace's post-mortems only.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from storage.models import Postmortem

OPEN, PUBLISHED = "open", "published"


def unpublished(session: Session, team_id: str | None = None) -> list[Postmortem]:
    """Open post-mortems whose report is not out yet: candidates for the 48-hour nudge
    (of `team_id` alone when given)."""
    query = (
        select(Postmortem)
        .where(Postmortem.status == OPEN, Postmortem.published_at.is_(None))
        .order_by(Postmortem.id)
    )
    return list(session.scalars(_within(query, team_id)))


def awaiting_review(session: Session, team_id: str | None = None) -> list[Postmortem]:
    """Post-mortems with a follow-up review set or implied, not yet confirmed as held
    (of `team_id` alone when given)."""
    query = (
        select(Postmortem)
        .where(
            Postmortem.review_confirmed_at.is_(None),
            or_(Postmortem.published_at.is_not(None), Postmortem.followup_review_on.is_not(None)),
        )
        .order_by(Postmortem.id)
    )
    return list(session.scalars(_within(query, team_id)))


def _within(query: Select[Postmortem], team_id: str | None) -> Select[Postmortem]:
    return query if team_id is None else query.where(Postmortem.team_id == team_id)
