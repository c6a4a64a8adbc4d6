"""What a post-mortem's timeline could not see. Functions take a Session and never commit."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import TimelineGap, utcnow

# The scope of the row that says a gap of its kind is on purpose: for deleted messages its
# `reason` holds how many (deletions are counted, not stored as gaps); for a derived gap
# (no PagerDuty incident linked) the words a person gave.
ACKNOWLEDGED = "acknowledged"


def get(session: Session, postmortem_id: int, kind: str, scope: str) -> TimelineGap | None:
    query = select(TimelineGap).where(
        TimelineGap.postmortem_id == postmortem_id,
        TimelineGap.kind == kind,
        TimelineGap.scope == scope,
    )
    return session.scalars(query).one_or_none()


def record(session: Session, gap: TimelineGap) -> TimelineGap:
    """Store `gap`, or refresh the one already stored for its (post-mortem, kind, scope)."""
    existing = get(session, gap.postmortem_id, gap.kind, gap.scope)
    if existing is None:
        try:
            with session.begin_nested():
                session.add(gap)
            return gap
        except IntegrityError:
            existing = get(session, gap.postmortem_id, gap.kind, gap.scope)
            if existing is None:
                raise
    existing.location, existing.reason, existing.recorded_at = gap.location, gap.reason, utcnow()
    return existing


def clear(session: Session, postmortem_id: int, scope: str, kinds: Collection[str]) -> int:
    """Forget the gaps of `kinds` in `scope`: that feed has since been read in full."""
    statement = delete(TimelineGap).where(
        TimelineGap.postmortem_id == postmortem_id,
        TimelineGap.scope == scope,
        TimelineGap.kind.in_(list(kinds)),
    )
    return changed_rows(session, statement)


def list_for(session: Session, postmortem_id: int) -> list[TimelineGap]:
    query = (
        select(TimelineGap)
        .where(TimelineGap.postmortem_id == postmortem_id)
        .order_by(TimelineGap.recorded_at, TimelineGap.id)
    )
    return list(session.scalars(query))


def acknowledge_count(
    session: Session,
    *,
    team_id: str,
    postmortem_id: int,
    kind: str,
    count: int,
    by: str,
    at: datetime,
) -> TimelineGap:
    """Record that `count` of the counted gaps of `kind` (deleted messages) are on purpose."""
    return acknowledge(
        session,
        team_id=team_id,
        postmortem_id=postmortem_id,
        kind=kind,
        reason=str(count),
        by=by,
        at=at,
    )


def acknowledge(
    session: Session,
    *,
    team_id: str,
    postmortem_id: int,
    kind: str,
    reason: str,
    by: str,
    at: datetime,
) -> TimelineGap:
    """Record that the post-mortem's gap of `kind` is on purpose, and why (for a counted
    kind, `reason` is how many): one acknowledgement row per kind, the latest kept."""
    row = record(
        session,
        TimelineGap(
            team_id=team_id,
            postmortem_id=postmortem_id,
            kind=kind,
            scope=ACKNOWLEDGED,
            reason=reason,
        ),
    )
    row.acknowledged_by, row.acknowledged_at = by, at
    return row


def acknowledged_count(row: TimelineGap) -> int | None:
    """How many counted gaps an acknowledgement row covers; None for an ordinary gap."""
    if row.scope != ACKNOWLEDGED:
        return None
    return int(row.reason) if row.reason and row.reason.isdigit() else 0
