"""Changing an action item from follow-up: done, snoozed a week, a new deadline.

Who may change an item is `bot.services.permissions`' to say (its owner, its
post-mortem's lead, an admin); anyone else gets `NotAllowed`, which the error hook
shows them privately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.core.action_items import item_code
from bot.core.followup import day_label, snooze_until
from bot.core.followup_views import ItemRow, ItemView, PostmortemView
from bot.errors import BadArguments
from bot.services import permissions
from bot.services.item_views import item_view, postmortem_view, row_view
from bot.services.permissions import Actor
from storage.models import ActionItem, Postmortem


@dataclass(frozen=True)
class Change:
    """What a click changed; `changed` is False when it was already so (a double click)."""

    item: ItemView
    postmortem: PostmortemView
    by: str
    changed: bool
    notice: str


def get_changeable(session: Session, actor: Actor, item_id: int) -> ItemRow:
    """The item and its post-mortem, if `actor` may change it."""
    return row_view(*permissions.item(session, actor, item_id))


def get_open(session: Session, actor: Actor, item_id: int) -> ItemRow:
    """Like `get_changeable`, for changes only an open item takes."""
    return row_view(*_open(session, actor, item_id))


def mark_done(session: Session, actor: Actor, item_id: int, now: datetime) -> Change:
    item, postmortem = permissions.item(session, actor, item_id)
    user_id = actor.user_id
    if item.status == "done":
        return _change(
            item, postmortem, user_id, False, f"{item_code(item.number)} was already done."
        )
    item.status, item.done_at, item.done_by = "done", now, user_id
    return _change(
        item, postmortem, user_id, True, f":white_check_mark: {item_code(item.number)} is done."
    )


def snooze(session: Session, actor: Actor, item_id: int, today: date) -> Change:
    """Leave the item out of digests for a week (it stays open)."""
    item, postmortem = _open(session, actor, item_id)
    item.snoozed_until = snooze_until(today)
    notice = f":zzz: {item_code(item.number)} is snoozed through {day_label(item.snoozed_until)}."
    return _change(item, postmortem, actor.user_id, True, notice)


def change_deadline(
    session: Session, actor: Actor, item_id: int, deadline: date, today: date
) -> Change:
    if deadline < today:
        raise BadArguments("Pick today or a later date.")
    item, postmortem = _open(session, actor, item_id)
    changed = item.deadline != deadline
    item.deadline = deadline
    notice = f":calendar: {item_code(item.number)} is now due {day_label(deadline)}."
    return _change(item, postmortem, actor.user_id, changed, notice)


def _open(session: Session, actor: Actor, item_id: int) -> tuple[ActionItem, Postmortem]:
    row = permissions.item(session, actor, item_id)
    if row[0].status != "open":
        raise BadArguments(f"{item_code(row[0].number)} is already done.")
    return row


def _change(
    item: ActionItem, postmortem: Postmortem, by: str, changed: bool, notice: str
) -> Change:
    """The change as it stands once applied (the views are read after the edit)."""
    return Change(item_view(item), postmortem_view(postmortem), by, changed, notice)
