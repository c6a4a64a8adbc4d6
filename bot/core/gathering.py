"""What gathering a timeline read, as plain values: a channel's history, a PagerDuty incident.

Built by the flows that read them (`bot.flows.channel_history`, `bot.flows.incident_log`)
and by the service that links an incident; `bot.slack.timeline_blocks` says them in the
post-mortem's thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.timeline import Gap


@dataclass
class Tally:
    """How far a backfill got: messages kept, threads read, rows new to the timeline."""

    messages: int = 0
    threads: int = 0
    added: int = 0
    pages: int = 0


@dataclass(frozen=True)
class HistoryOutcome:
    """A channel's history read: how much, from when, and what stopped it (if anything)."""

    tally: Tally
    oldest: datetime | None
    gap: Gap | None


@dataclass(frozen=True)
class Linked:
    """The incident now linked, the one it replaced (if any), and webhook events filed."""

    incident_id: str
    previous: str | None
    attached: int


@dataclass(frozen=True)
class LogOutcome:
    """An incident's REST log read: entries read, lines new to the timeline, any gap."""

    read: int
    added: int
    gap: Gap | None
