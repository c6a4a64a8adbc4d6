"""Action items as follow-up reads them: by owner, by post-mortem, by id.

Functions take a Session and never commit. Creating items belongs to the
interview (`bot/services/action_items.py`); this module only reads and finds.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ActionItem, Postmortem

OPEN, DONE = "open", "done"
ItemRow = tuple[ActionItem, Postmortem]


def owners_with_open_items(session: Session, team_id: str | None = None) -> list[tuple[str, str]]:
    """(team_id, owner_id) of everyone who owns at least one open item, in every workspace
    (or in `team_id` alone): the weekly digest's sweep, which then reads each owner's items
    within their team."""
    query = (
        select(ActionItem.team_id, ActionItem.owner_id)
        .where(ActionItem.status == OPEN, ActionItem.owner_id.is_not(None))
        .distinct()
        .order_by(ActionItem.team_id, ActionItem.owner_id)
    )
    if team_id is not None:
        query = query.where(ActionItem.team_id == team_id)
    return [(row.team_id, row.owner_id) for row in session.execute(query)]


def open_for_owner(session: Session, team_id: str, owner_id: str) -> list[ItemRow]:
    """The owner's open items across post-mortems, soonest deadline first (none last)."""
    query = (
        select(ActionItem, Postmortem)
        .join(Postmortem, ActionItem.postmortem_id == Postmortem.id)
        .where(
            ActionItem.team_id == team_id,
            ActionItem.owner_id == owner_id,
            ActionItem.status == OPEN,
        )
        .order_by(
            ActionItem.deadline.is_(None), ActionItem.deadline, Postmortem.id, ActionItem.number
        )
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def for_postmortem(session: Session, postmortem_id: int) -> list[ActionItem]:
    query = (
        select(ActionItem)
        .where(ActionItem.postmortem_id == postmortem_id)
        .order_by(ActionItem.number)
    )
    return list(session.scalars(query))


def get(session: Session, item_id: int) -> ItemRow | None:
    """By id alone: for an id from a button or a form, `bot.services.permissions.item`
    compares its `team_id` with the clicker's before anything is read or changed."""
    query = (
        select(ActionItem, Postmortem)
        .join(Postmortem, ActionItem.postmortem_id == Postmortem.id)
        .where(ActionItem.id == item_id)
    )
    row = session.execute(query).one_or_none()
    return None if row is None else (row[0], row[1])


def by_ids(session: Session, team_id: str, item_ids: Collection[int]) -> list[ItemRow]:
    """The workspace's items named, in the order given (ids no longer in the database, or
    another workspace's, are left out)."""
    query = (
        select(ActionItem, Postmortem)
        .join(Postmortem, ActionItem.postmortem_id == Postmortem.id)
        .where(ActionItem.team_id == team_id, ActionItem.id.in_(list(item_ids)))
    )
    found = {row[0].id: (row[0], row[1]) for row in session.execute(query)}
    return [found[item_id] for item_id in item_ids if item_id in found]
