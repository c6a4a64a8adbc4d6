"""Stored action items and post-mortems as the plain views follow-up messages take."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.action_items import item_code
from bot.core.followup_views import ItemRow, ItemView, PostmortemView
from storage.models import ActionItem, Postmortem


def postmortem_view(postmortem: Postmortem) -> PostmortemView:
    return PostmortemView(
        id=postmortem.id,
        title=postmortem.title,
        channel_id=postmortem.channel_id,
        thread_ts=postmortem.thread_ts,
        lead_user_id=postmortem.lead_user_id,
        incident_start=postmortem.incident_start,
        incident_end=postmortem.incident_end,
        published_at=postmortem.published_at,
    )


def item_view(item: ActionItem) -> ItemView:
    return ItemView(
        id=item.id,
        code=item_code(item.number),
        action=item.action,
        status=item.status,
        owner_id=item.owner_id,
        deadline=item.deadline,
        priority=item.priority,
        snoozed_until=item.snoozed_until,
        done_by=item.done_by,
        ticket_url=item.ticket_url,
    )


def row_view(item: ActionItem, postmortem: Postmortem) -> ItemRow:
    return item_view(item), postmortem_view(postmortem)


def row_views(rows: Iterable[tuple[ActionItem, Postmortem]]) -> list[ItemRow]:
    return [row_view(item, postmortem) for item, postmortem in rows]
