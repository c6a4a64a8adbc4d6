"""Between the domain's TimelineEntry and the stored TimelineEvent row."""

from __future__ import annotations

from bot.core.timeline import TimelineEntry
from storage.models import Postmortem, TimelineEvent


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
    )
