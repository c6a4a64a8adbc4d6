"""Writing action items: numbering and lookups the interview needs.

Functions take a Session and never commit. Follow-up reads live in `open_items`.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import ActionItem

NUMBERING_ATTEMPTS = 5


def add_numbered(session: Session, item: ActionItem) -> ActionItem:
    """Give `item` the next number of its post-mortem (AI-001, AI-002…) and insert it.

    Two items created at once may pick the same number; the unique key refuses
    the second, which takes the next one.
    """
    for _ in range(NUMBERING_ATTEMPTS):
        item.number = _next_number(session, item.postmortem_id)
        try:
            with session.begin_nested():
                session.add(item)
        except IntegrityError:
            continue
        return item
    raise RuntimeError(f"could not number an action item of post-mortem {item.postmortem_id}")


def get_by_number(session: Session, postmortem_id: int, number: int) -> ActionItem | None:
    query = select(ActionItem).where(
        ActionItem.postmortem_id == postmortem_id, ActionItem.number == number
    )
    return session.scalars(query).one_or_none()


def get_by_answer(session: Session, answer_id: int) -> ActionItem | None:
    query = select(ActionItem).where(ActionItem.answer_id == answer_id)
    return session.scalars(query).first()


def latest_incomplete(
    session: Session, postmortem_id: int, created_by: str | None
) -> ActionItem | None:
    """The newest item this person wrote that still lacks an owner, deadline or priority."""
    query = select(ActionItem).where(
        ActionItem.postmortem_id == postmortem_id,
        ActionItem.created_by == created_by,
        (ActionItem.owner_id.is_(None))
        | (ActionItem.deadline.is_(None))
        | (ActionItem.priority.is_(None)),
    )
    return session.scalars(query.order_by(ActionItem.number.desc()).limit(1)).first()


def list_for(session: Session, postmortem_id: int) -> list[ActionItem]:
    query = (
        select(ActionItem)
        .where(ActionItem.postmortem_id == postmortem_id)
        .order_by(ActionItem.number)
    )
    return list(session.scalars(query))


def _next_number(session: Session, postmortem_id: int) -> int:
    query = select(func.max(ActionItem.number)).where(ActionItem.postmortem_id == postmortem_id)
    return (session.scalar(query) or 0) + 1
