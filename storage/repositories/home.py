"""The post-mortems a person leads or took part in, within one workspace, for their App Home.

Took part: answered the interview, owns an action item, or spoke in the timeline (a
Slack message or a manual entry of theirs). Functions take a Session and never commit.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from storage.models import ActionItem, Answer, Postmortem, ReportRecord, TimelineEvent

PERSON_SOURCES = ("slack", "manual")  # timeline sources whose actor is a person's id
Row = tuple[Postmortem, ReportRecord | None]


def of_person(session: Session, team_id: str, user_id: str, *, limit: int) -> list[Row]:
    """The newest `limit` of them, each with its report row (for the share link), if any."""
    query = (
        select(Postmortem, ReportRecord)
        .outerjoin(ReportRecord, ReportRecord.postmortem_id == Postmortem.id)
        .where(Postmortem.team_id == team_id, _took_part(team_id, user_id))
        .order_by(Postmortem.created_at.desc(), Postmortem.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def count_of_person(session: Session, team_id: str, user_id: str) -> int:
    query = select(func.count(Postmortem.id)).where(
        Postmortem.team_id == team_id, _took_part(team_id, user_id)
    )
    return int(session.scalar(query) or 0)


def _took_part(team_id: str, user_id: str) -> ColumnElement[bool]:
    answered = select(Answer.postmortem_id).where(
        Answer.team_id == team_id, Answer.author_id == user_id
    )
    owns = select(ActionItem.postmortem_id).where(
        ActionItem.team_id == team_id, ActionItem.owner_id == user_id
    )
    spoke = select(TimelineEvent.postmortem_id).where(
        TimelineEvent.team_id == team_id,
        TimelineEvent.actor == user_id,
        TimelineEvent.source.in_(PERSON_SOURCES),
    )
    return or_(
        Postmortem.lead_user_id == user_id,
        Postmortem.id.in_(answered),
        Postmortem.id.in_(owns),
        Postmortem.id.in_(spoke),
    )
