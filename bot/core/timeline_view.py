"""The timeline of a post-mortem as readers see it: ordered entries, durations, and gaps.

Built by `bot.services.timeline.view` from the stored lines; read by the Slack
reply, the Markdown file and the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.milestones import Milestones
from bot.core.timeline import (
    ACKNOWLEDGED,
    MITIGATED,
    REOPENED,
    RESOLVED,
    TRIGGER,
    Durations,
    Gap,
    TimelineEntry,
)

# Milestones belong in the key timeline whether or not anyone marked them.
MILESTONES = frozenset({TRIGGER, ACKNOWLEDGED, MITIGATED, RESOLVED, REOPENED})


@dataclass(frozen=True)
class TimelineView:
    postmortem_id: int
    team_id: str
    channel_id: str
    title: str
    thread_ts: str | None
    incident_id: str | None
    started_at: datetime | None
    entries: tuple[TimelineEntry, ...]
    durations: Durations
    gaps: tuple[Gap, ...]
    milestones: Milestones = field(default_factory=Milestones)

    @property
    def key_entries(self) -> list[TimelineEntry]:
        """Lines people marked (pins, the key reaction, manual entries) and the milestones."""
        return [entry for entry in self.entries if is_key(entry)]

    @property
    def anything_marked(self) -> bool:
        return any(entry.is_key for entry in self.entries)


def is_key(entry: TimelineEntry) -> bool:
    return entry.is_key or entry.kind in MILESTONES
