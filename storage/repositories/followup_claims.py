"""Follow-up claims: who sends what, decided by the database. Functions never commit.

A follow-up message (a digest, a nudge, a review) is claimed by inserting its unique key (PostgreSQL and SQLite both
answer `ON CONFLICT DO NOTHING`, so exactly one inserter gets the row back),
confirmed once Slack accepted it, and re-claimed at most `max_attempts - 1`
times when its claim went stale because the claiming process died.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import Followup
from storage.upsert import insert_ignoring_conflicts

CLAIMED, SENT, SKIPPED, FAILED = "claimed", "sent", "skipped", "failed"
KEY_COLUMNS = ("team_id", "kind", "subject", "period")
RELEASED_AT = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Key:
    """A follow-up's identity: e.g. ("T1", "digest", "U0BOB", "2026-W10")."""

    team_id: str
    kind: str
    subject: str
    period: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.subject}:{self.period}"


@dataclass(frozen=True)
class Claim:
    id: int
    key: Key
    attempts: int
    # When the first attempt claimed it, on the claimer's clock: what any attempt posted
    # is no older, so a recovery reads the conversation from then (`slack_once`'s `since`).
    since: datetime | None = None
    # False when the row was there already (taken over, or handed back and claimed again):
    # an earlier attempt may have done the work, so look for it before doing it again.
    fresh: bool = True


def claim(
    session: Session,
    key: Key,
    *,
    now: datetime,
    worker: str,
    stale_before: datetime,
    max_attempts: int,
    postmortem_id: int | None = None,
) -> Claim | None:
    """Claim `key` for `worker`; None when another worker holds it or it is settled."""
    values = {name: getattr(key, name) for name in KEY_COLUMNS}
    values.update(postmortem_id=postmortem_id, status=CLAIMED, attempts=1, created_at=now)
    values.update(claimed_at=now, claimed_by=worker)
    statement = insert_ignoring_conflicts(
        session, Followup, index_elements=KEY_COLUMNS, **values
    ).returning(Followup.id)
    inserted = session.execute(statement).scalar_one_or_none()
    if inserted is not None:
        return Claim(inserted, key, 1, now)
    return take_over(
        session, key, now=now, worker=worker, stale_before=stale_before, max_attempts=max_attempts
    )


def take_over(
    session: Session,
    key: Key,
    *,
    now: datetime,
    worker: str,
    stale_before: datetime,
    max_attempts: int,
) -> Claim | None:
    """A compare-and-set on the stale claim: of several workers, one updates the row."""
    statement = (
        update(Followup)
        .where(_is_key(key), Followup.status == CLAIMED)
        .where(Followup.claimed_at < stale_before, Followup.attempts < max_attempts)
        .values(attempts=Followup.attempts + 1, claimed_at=now, claimed_by=worker)
        .returning(Followup.id, Followup.attempts, Followup.created_at)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).one_or_none()
    return None if row is None else Claim(row.id, key, row.attempts, row.created_at, fresh=False)


def confirm(
    session: Session, claim_id: int, *, channel_id: str, message_ts: str, now: datetime
) -> None:
    session.execute(
        update(Followup)
        .where(Followup.id == claim_id)
        .values(status=SENT, sent_at=now, channel_id=channel_id, message_ts=message_ts)
        .execution_options(synchronize_session=False)
    )


def release(session: Session, claim_id: int, *, holder: str) -> bool:
    """Give a claim back untried (Slack asked us to slow down): claimable at once, and
    this attempt does not count. Only while `holder` still holds it: a claim that went
    stale and was taken over stays with its new holder. True when it was given back."""
    statement = (
        update(Followup)
        .where(Followup.id == claim_id, Followup.status == CLAIMED)
        .where(Followup.claimed_by == holder)
        .values(attempts=Followup.attempts - 1, claimed_at=RELEASED_AT)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, statement) == 1


def settle(session: Session, claim_id: int, status: str, error: str | None = None) -> None:
    """End a claim without a message: nothing left to say (skipped) or Slack refused (failed)."""
    session.execute(
        update(Followup)
        .where(Followup.id == claim_id)
        .values(status=status, error=error[:200] if error else None)
        .execution_options(synchronize_session=False)
    )


def settled(
    session: Session,
    team_id: str,
    kind: str,
    periods: Collection[str],
    *,
    stale_before: datetime,
    max_attempts: int,
) -> set[tuple[str, str]]:
    """(subject, period) of the follow-ups nobody may claim now: done, held, or given up."""
    query = select(Followup.subject, Followup.period).where(
        Followup.team_id == team_id,
        Followup.kind == kind,
        Followup.period.in_(list(periods)),
        _not_claimable(stale_before, max_attempts),
    )
    return {(row.subject, row.period) for row in session.execute(query)}


def is_settled(session: Session, key: Key, *, stale_before: datetime, max_attempts: int) -> bool:
    query = select(Followup.id).where(_is_key(key), _not_claimable(stale_before, max_attempts))
    return session.scalar(query) is not None


def list_all(session: Session, kind: str | None = None) -> list[Followup]:
    query = select(Followup).order_by(Followup.id)
    if kind is not None:
        query = query.where(Followup.kind == kind)
    return list(session.scalars(query))


def _is_key(key: Key) -> ColumnElement[bool]:
    return and_(*(getattr(Followup, name) == getattr(key, name) for name in KEY_COLUMNS))


def _not_claimable(stale_before: datetime, max_attempts: int) -> ColumnElement[bool]:
    return or_(
        Followup.status != CLAIMED,
        Followup.claimed_at >= stale_before,
        Followup.attempts >= max_attempts,
    )
