"""A history backfill's progress, and the gap it states until it has read everything.

`bot.flows.channel_history` reads a channel newest first. Before its first page it
records what it sets out to read (`begin`) with a `backfill_unfinished` gap on the
timeline; after each history page and that page's threads it records how far back it
has read (`advance`), and the gap's words follow ("history before 14:05 UTC not read
yet"), and a resumed one says so of what was posted since it began (`reading_newer`);
at the end `finish` drops both. A crash leaves them behind: the timeline,
timeline.md and the report say what is missing, and the next backfill of the channel
(the inbox replaying the interrupted command, at least once) resumes from `left_off`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.core.slack_text import ts_to_datetime
from bot.core.timeline import Gap, GapKind
from bot.services.backfill import SLACK_GAPS, Target, stored_gap
from storage.repositories import backfill_progress, gaps


@dataclass(frozen=True)
class LeftOff:
    """An unfinished backfill: it set out to read up to `newest_ts` and had filed
    everything from `read_down_to` (None: nothing) up to there."""

    newest_ts: str
    read_down_to: str | None


def left_off(session: Session, target: Target) -> LeftOff | None:
    row = backfill_progress.get(session, target.postmortem_id, target.scope)
    return None if row is None else LeftOff(row.newest_ts, row.read_down_to)


def begin(session: Session, target: Target, *, newest_ts: str, where: str) -> None:
    backfill_progress.begin(
        session,
        team_id=target.team_id,
        postmortem_id=target.postmortem_id,
        scope=target.scope,
        newest_ts=newest_ts,
    )
    _state_gap(session, target, where, None)


def advance(session: Session, target: Target, *, read_down_to: str, where: str) -> None:
    """Everything from `read_down_to` up to the newest the backfill set out to read is filed."""
    backfill_progress.read_down_to(session, target.postmortem_id, target.scope, read_down_to)
    row = backfill_progress.get(session, target.postmortem_id, target.scope)
    if row is not None:
        _state_gap(session, target, where, row.read_down_to)


def reading_newer(session: Session, target: Target, *, where: str) -> None:
    """A resumed backfill has read the older part; it reads what was posted since it began."""
    row = backfill_progress.get(session, target.postmortem_id, target.scope)
    if row is not None:
        gap = Gap.backfill_unfinished(where, None, newer_than=ts_to_datetime(row.newest_ts))
        gaps.record(session, stored_gap(target.team_id, target.postmortem_id, target.scope, gap))


def finish(session: Session, target: Target) -> None:
    """Read in full, or stopped with a gap of its own: no unfinished backfill any more."""
    backfill_progress.finish(session, target.postmortem_id, target.scope)
    gaps.clear(session, target.postmortem_id, target.scope, [GapKind.BACKFILL_UNFINISHED.value])


def _state_gap(session: Session, target: Target, where: str, read_down_to: str | None) -> None:
    back_to = ts_to_datetime(read_down_to) if read_down_to else None
    gap = Gap.backfill_unfinished(where, back_to)
    gaps.record(session, stored_gap(target.team_id, target.postmortem_id, target.scope, gap))


def estimate_left(
    *,
    calls: int,
    newest: float | None,
    reached: float | None,
    oldest: float | None,
    every: float,
) -> timedelta | None:
    """The time a backfill paused by Slack's rate limit still needs, at one call every
    `every` seconds (the pace Slack's Retry-After set): the calls so far, scaled by the
    share of the window read (from `newest` back to `reached`, of back to `oldest`; Unix
    times). None when the window has no known start or nothing is read yet."""
    if newest is None or reached is None or oldest is None or calls <= 0:
        return None
    span, done = newest - oldest, newest - reached
    if span <= 0 or done <= 0:
        return None
    share = min(done / span, 1.0)
    calls_left = max(math.ceil(calls / share) - calls, 1)
    return timedelta(seconds=calls_left * every)


def has_gaps(session: Session, target: Target) -> bool:
    """Whether the channel's history has a gap on the timeline (unreadable, cut short,
    unfinished): a backfill that reads nothing need not clear any otherwise."""
    kinds = {*SLACK_GAPS, GapKind.BACKFILL_UNFINISHED.value}
    return any(
        gap.scope == target.scope and gap.kind in kinds
        for gap in gaps.list_for(session, target.postmortem_id)
    )
