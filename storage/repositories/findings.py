"""Blaming and vague wording the bot pushed back on. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Answer, LanguageFinding

OPEN, RESOLVED, KEPT = "open", "resolved", "kept"


def get(session: Session, finding_id: int) -> LanguageFinding | None:
    return session.get(LanguageFinding, finding_id)


def for_answer(session: Session, answer_id: int, kind: str | None = None) -> list[LanguageFinding]:
    query = select(LanguageFinding).where(LanguageFinding.answer_id == answer_id)
    if kind is not None:
        query = query.where(LanguageFinding.kind == kind)
    return list(session.scalars(query.order_by(LanguageFinding.id)))


def latest_open_answer(
    session: Session, postmortem_id: int, author_id: str | None = None
) -> Answer | None:
    """The newest answer with an open finding, by `author_id` when given."""
    query = (
        select(Answer)
        .join(LanguageFinding, LanguageFinding.answer_id == Answer.id)
        .where(Answer.postmortem_id == postmortem_id, LanguageFinding.status == OPEN)
    )
    if author_id is not None:
        query = query.where(Answer.author_id == author_id)
    return session.scalars(query.order_by(Answer.id.desc()).limit(1)).first()


def list_for(session: Session, postmortem_id: int) -> list[LanguageFinding]:
    query = select(LanguageFinding).where(LanguageFinding.postmortem_id == postmortem_id)
    return list(session.scalars(query.order_by(LanguageFinding.id)))
