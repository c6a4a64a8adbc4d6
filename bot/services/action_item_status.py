"""Changing an action item from follow-up: done, snoozed a week, a new deadline.

Only the item's owner or its post-mortem's lead may change it; anyone else
gets `NotAllowed`, which the error hook shows them privately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.core.action_items import item_code
from bot.core.followup import day_label, snooze_until
from bot.core.followup_views import ItemRow, ItemView, PostmortemView
from bot.core.slack_text import mention
from bot.errors import BadArguments, NotFound, UserError
from bot.services.item_views import item_view, postmortem_view, row_view
from storage.models import ActionItem, Postmortem
from storage.repositories import open_items


class NotAllowed(UserError):
    """The person may not change this item."""


@dataclass(frozen=True)
class Change:
    """What a click changed; `changed` is False when it was already so (a double click)."""

    item: ItemView
    postmortem: PostmortemView
    by: str
    changed: bool
    notice: str


def get_changeable(session: Session, team_id: str, item_id: int, user_id: str) -> ItemRow:
    """The item and its post-mortem, if `user_id` may change it."""
    return row_view(*_changeable(session, team_id, item_id, user_id))


def get_open(session: Session, team_id: str, item_id: int, user_id: str) -> ItemRow:
    """Like `get_changeable`, for changes only an open item takes."""
    return row_view(*_open(session, team_id, item_id, user_id))


def _changeable(
    session: Session, team_id: str, item_id: int, user_id: str
) -> tuple[ActionItem, Postmortem]:
    row = open_items.get(session, item_id)
    if row is None or row[0].team_id != team_id:
        raise NotFound("That action item no longer exists.")
    item, postmortem = row
    if user_id not in (item.owner_id, postmortem.lead_user_id):
        owner = mention(item.owner_id) if item.owner_id else "its owner"
        raise NotAllowed(
            f"Only {owner} (the owner) or {mention(postmortem.lead_user_id)} "
            f"(the post-mortem lead) can change {item_code(item.number)}."
        )
    return row


def mark_done(session: Session, team_id: str, item_id: int, user_id: str, now: datetime) -> Change:
    item, postmortem = _changeable(session, team_id, item_id, user_id)
    if item.status == "done":
        return _change(
            item, postmortem, user_id, False, f"{item_code(item.number)} was already done."
        )
    item.status, item.done_at, item.done_by = "done", now, user_id
    return _change(
        item, postmortem, user_id, True, f":white_check_mark: {item_code(item.number)} is done."
    )


def snooze(session: Session, team_id: str, item_id: int, user_id: str, today: date) -> Change:
    """Leave the item out of digests for a week (it stays open)."""
    item, postmortem = _open(session, team_id, item_id, user_id)
    item.snoozed_until = snooze_until(today)
    notice = f":zzz: {item_code(item.number)} is snoozed through {day_label(item.snoozed_until)}."
    return _change(item, postmortem, user_id, True, notice)


def change_deadline(
    session: Session, team_id: str, item_id: int, user_id: str, deadline: date, today: date
) -> Change:
    if deadline < today:
        raise BadArguments("Pick today or a later date.")
    item, postmortem = _open(session, team_id, item_id, user_id)
    changed = item.deadline != deadline
    item.deadline = deadline
    notice = f":calendar: {item_code(item.number)} is now due {day_label(deadline)}."
    return _change(item, postmortem, user_id, changed, notice)


def _open(
    session: Session, team_id: str, item_id: int, user_id: str
) -> tuple[ActionItem, Postmortem]:
    row = _changeable(session, team_id, item_id, user_id)
    if row[0].status != "open":
        raise BadArguments(f"{item_code(row[0].number)} is already done.")
    return row


def _change(
    item: ActionItem, postmortem: Postmortem, by: str, changed: bool, notice: str
) -> Change:
    """The change as it stands once applied (the views are read after the edit)."""
    return Change(item_view(item), postmortem_view(postmortem), by, changed, notice)
