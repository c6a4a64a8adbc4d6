"""Action items and post-mortems as the follow-up messages show them, as plain values.

Services build these from the stored rows (`bot.services.item_views`); the
digest, the item lists, the nudges and the review (`bot.slack.followup_blocks`) are drawn from them alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PostmortemView:
    id: int
    title: str
    channel_id: str
    thread_ts: str | None
    lead_user_id: str
    incident_start: datetime | None
    incident_end: datetime | None
    published_at: datetime | None


@dataclass(frozen=True)
class ItemView:
    id: int
    code: str
    action: str
    status: str
    owner_id: str | None
    deadline: date | None
    priority: str | None
    snoozed_until: date | None
    done_by: str | None
    ticket_url: str | None = None  # its ticket in the team's tracker, once filed


# An item and the post-mortem it belongs to.
ItemRow = tuple[ItemView, PostmortemView]
