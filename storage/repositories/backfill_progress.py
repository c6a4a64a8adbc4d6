"""How far running history backfills have read. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import BackfillProgress, utcnow


def get(session: Session, postmortem_id: int, scope: str) -> BackfillProgress | None:
    query = select(BackfillProgress).where(
        BackfillProgress.postmortem_id == postmortem_id, BackfillProgress.scope == scope
    )
    return session.scalars(query).one_or_none()


def begin(
    session: Session, *, team_id: str, postmortem_id: int, scope: str, newest_ts: str
) -> BackfillProgress:
    """A backfill of `scope` sets out to read up to `newest_ts`, nothing read yet. One
    channel's backfills run one at a time (the inbox orders a channel's commands), so a
    row left behind is replaced, not raced for."""
    row = get(session, postmortem_id, scope)
    if row is None:
        row = BackfillProgress(team_id=team_id, postmortem_id=postmortem_id, scope=scope)
        session.add(row)
    row.newest_ts, row.read_down_to, row.started_at = newest_ts, None, utcnow()
    session.flush()
    return row


def read_down_to(session: Session, postmortem_id: int, scope: str, ts: str) -> None:
    """Everything from `ts` up to the row's `newest_ts` is filed."""
    row = get(session, postmortem_id, scope)
    if row is not None and (row.read_down_to is None or float(ts) < float(row.read_down_to)):
        row.read_down_to = ts


def finish(session: Session, postmortem_id: int, scope: str) -> int:
    """The backfill read all it set out to: forget its progress."""
    statement = delete(BackfillProgress).where(
        BackfillProgress.postmortem_id == postmortem_id, BackfillProgress.scope == scope
    )
    return changed_rows(session, statement)
