"""Readiness for `/healthz`: can the bot keep what it answers, and how much work is waiting.

A request is answered 2xx only once it is written down, so the check is a write: a
tiny UPSERT of this worker's health row (`deliveries`, source `health`), in a short
transaction of its own. On SQLite the transaction begins with `BEGIN IMMEDIATE`
(`storage.db`), which a read-only file refuses; on PostgreSQL no statement may take
longer than `STATEMENT_TIMEOUT_MS`. The same transaction reads the inbox's counts and
how long the oldest unfinished item has waited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.inbox.statements import bound_statements
from storage.models import Delivery
from storage.repositories import inbox
from storage.upsert import insert_or_update

SOURCE = "health"


@dataclass(frozen=True)
class Readiness:
    counts: dict[str, int]
    oldest_pending_seconds: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "inbox": self.counts,
            "oldest_pending_seconds": self.oldest_pending_seconds,
        }


def check(engine: Engine, *, worker_name: str, now: datetime) -> Readiness:
    """Raises whatever the database raises when it will not take a write."""
    with Session(engine) as session, session.begin():
        bound_statements(session)
        touch(session, worker_name, now)
        counts = inbox.counts(session)
        oldest = inbox.oldest_pending_age(session, now=now)
    seconds = None if oldest is None else round(max(oldest.total_seconds(), 0.0), 3)
    return Readiness(counts=counts, oldest_pending_seconds=seconds)


def touch(session: Session, worker_name: str, now: datetime) -> None:
    """UPSERT this worker's health row: one row per worker, rewritten at each check."""
    statement = insert_or_update(
        session,
        Delivery,
        index_elements=("source", "delivery_id"),
        set_={"received_at": now},
        source=SOURCE,
        delivery_id=worker_name[:128],
        team_id=None,
        received_at=now,
    )
    session.execute(statement)
