"""Claims on follow-up messages: which process sends each one, decided by the database.

A follow-up is claimed before its Slack call and confirmed after it
(`bot.flows.followup_delivery` makes the call). A claim left behind by a
process that died is taken over once it is older than `STALE_AFTER`, at most
`MAX_ATTEMPTS - 1` times.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage.repositories import followup_claims as claim_rows
from storage.repositories.followup_claims import Claim, Key

STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 2


def stale_before(now: datetime) -> datetime:
    """Claims made before this are held by a process that died."""
    return now - STALE_AFTER


def claim(
    session: Session, key: Key, *, now: datetime, worker: str, postmortem_id: int | None = None
) -> Claim | None:
    """Claim `key` for `worker`; None when another worker holds it or it is settled."""
    return claim_rows.claim(
        session,
        key,
        now=now,
        worker=worker,
        stale_before=stale_before(now),
        max_attempts=MAX_ATTEMPTS,
        postmortem_id=postmortem_id,
    )


def skip(session: Session, claim_id: int) -> None:
    """Nothing is left to say (the items got done, the report got published)."""
    claim_rows.settle(session, claim_id, claim_rows.SKIPPED)


def fail(session: Session, claim_id: int, error: str) -> None:
    """Slack refused for good: the message is not tried again."""
    claim_rows.settle(session, claim_id, claim_rows.FAILED, error)


def confirm(
    session: Session, claim_id: int, *, channel_id: str, message_ts: str, now: datetime
) -> None:
    claim_rows.confirm(session, claim_id, channel_id=channel_id, message_ts=message_ts, now=now)


def release(session: Session, claim_id: int, *, holder: str) -> bool:
    """Give the claim back untried, so the next tick tries afresh; only while `holder`
    still holds it (a stale claim taken over stays with its taker)."""
    return claim_rows.release(session, claim_id, holder=holder)


def is_settled(session: Session, key: Key, *, now: datetime) -> bool:
    return claim_rows.is_settled(
        session, key, stale_before=stale_before(now), max_attempts=MAX_ATTEMPTS
    )


def settled(
    session: Session, team_id: str, kind: str, periods: Collection[str], *, now: datetime
) -> set[tuple[str, str]]:
    """(subject, period) of the team's follow-ups of `kind` nobody may claim now."""
    return claim_rows.settled(
        session, team_id, kind, periods, stale_before=stale_before(now), max_attempts=MAX_ATTEMPTS
    )
