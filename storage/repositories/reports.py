"""Reports as distributed: channel post, file, share link.

Functions take a Session and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import ReportRecord
from storage.upsert import insert_ignoring_conflicts


def get(session: Session, postmortem_id: int) -> ReportRecord | None:
    return session.get(ReportRecord, postmortem_id, populate_existing=True)


def ensure_locked(session: Session, team_id: str, postmortem_id: int) -> ReportRecord:
    """The post-mortem's report row, created on first use and locked for this transaction
    (PostgreSQL; SQLite transactions are serialised already), so two shares make one link."""
    session.execute(
        insert_ignoring_conflicts(
            session, ReportRecord, postmortem_id=postmortem_id, team_id=team_id, names={}
        )
    )
    record = session.get(ReportRecord, postmortem_id, with_for_update=True, populate_existing=True)
    assert record is not None
    return record


def by_token(session: Session, token: str) -> ReportRecord | None:
    """The report a share link names: the token is the capability (an unguessable secret a
    lead chose to hand out), so the read-only page asks by it alone, in any workspace."""
    query = select(ReportRecord).where(ReportRecord.share_token == token)
    return session.scalars(query).one_or_none()


def claim(
    session: Session, postmortem_id: int, *, by: str, now: datetime, stale_before: datetime
) -> bool:
    """Take the right to publish; False while someone else's publish is under way.

    The condition is part of the UPDATE, so the database picks one of two
    publishes racing; a claim older than `stale_before` belonged to a process
    that died and may be taken over, and a claim `by` this same claimer (a replay
    of the request that made it) is taken back at once.
    """
    statement = (
        update(ReportRecord)
        .where(
            ReportRecord.postmortem_id == postmortem_id,
            or_(
                ReportRecord.claimed_at.is_(None),
                ReportRecord.claimed_at < stale_before,
                ReportRecord.claimed_by == by,
            ),
        )
        .values(claimed_at=now, claimed_by=by)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, statement) == 1


def release(session: Session, postmortem_id: int, *, by: str) -> None:
    statement = (
        update(ReportRecord)
        .where(ReportRecord.postmortem_id == postmortem_id, ReportRecord.claimed_by == by)
        .values(claimed_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(statement)
