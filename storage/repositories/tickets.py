"""Action items and their tickets: which have none, recording the link once.

Functions take a Session and never commit.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import ActionItem, Factor, Postmortem

ItemFactor = tuple[ActionItem, Factor | None]


def untracked(session: Session, postmortem_id: int) -> list[ItemFactor]:
    """The post-mortem's items without a ticket link, with their factor, by number."""
    query = (
        select(ActionItem, Factor)
        .outerjoin(Factor, ActionItem.factor_id == Factor.id)
        .where(ActionItem.postmortem_id == postmortem_id, ActionItem.ticket_url.is_(None))
        .order_by(ActionItem.number)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def factor_of(session: Session, item: ActionItem) -> Factor | None:
    return None if item.factor_id is None else session.get(Factor, item.factor_id)


def record_url(session: Session, item_id: int, url: str) -> bool:
    """Link the item to its ticket unless it has one already; True when this linked it."""
    statement = (
        update(ActionItem)
        .where(ActionItem.id == item_id, ActionItem.ticket_url.is_(None))
        .values(ticket_url=url)
    )
    return changed_rows(session, statement) == 1


def with_postmortem(session: Session, item_id: int) -> tuple[ActionItem, Postmortem] | None:
    """The item (locked for the change) and its post-mortem, by id alone: the caller
    checks the workspace before it changes anything."""
    query = (
        select(ActionItem, Postmortem)
        .join(Postmortem, ActionItem.postmortem_id == Postmortem.id)
        .where(ActionItem.id == item_id)
        .with_for_update(of=ActionItem)
    )
    row = session.execute(query).one_or_none()
    return None if row is None else (row[0], row[1])
