"""Between the domain's TimelineEntry and the stored TimelineEvent row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core import app_posts
from bot.core.timeline import TimelineEntry, merge
from storage.models import Postmortem, TimelineEvent
from storage.repositories import timeline


def to_row(entry: TimelineEntry, postmortem: Postmortem) -> TimelineEvent:
    return TimelineEvent(
        team_id=postmortem.team_id,
        postmortem_id=postmortem.id,
        occurred_at=entry.occurred_at,
        source=entry.source,
        source_key=entry.source_key,
        text=entry.text,
        actor=entry.actor,
        kind=entry.kind,
        is_key=entry.is_key,
        via=entry.via,
        incident_id=entry.incident_id,
    )


def to_entry(row: TimelineEvent) -> TimelineEntry:
    return TimelineEntry(
        occurred_at=row.occurred_at,
        source=row.source,  # type: ignore[arg-type]
        source_key=row.source_key,
        text=row.text,
        actor=row.actor,
        is_key=row.is_key,
        kind=row.kind,
        incident_id=row.incident_id,
        via=row.via,
        edited=row.edited_at is not None,
        in_thread=_in_thread(row),
    )


def _in_thread(row: TimelineEvent) -> bool:
    """A reply: its thread is another message's (a thread's parent names its own ts)."""
    return bool(row.thread_ts) and not row.source_key.endswith(f":{row.thread_ts}")


def stored_entries(session: Session, postmortem_id: int) -> tuple[list[TimelineEntry], int]:
    """The post-mortem's timeline as `merge` orders it, PagerDuty's Slack app posts folded
    into the PagerDuty lines they announce, without deleted messages; and how many
    messages were deleted."""
    rows = timeline.list_for(session, postmortem_id)
    entries = app_posts.fold(merge(to_entry(row) for row in rows if row.deleted_at is None))
    return entries, sum(1 for row in rows if row.deleted_at is not None)
