"""SQLite commits wait for the disk, except the inbox worker's own bookkeeping.

A record made before an ack must survive a power cut (Slack does not send again what
was answered 2xx), so every transaction commits with `synchronous=FULL`; the worker's
claims and settles, redone if undone, commit without that wait (`relaxed_durability`),
and the connection they used waits for the disk again for whoever takes it next.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox import Worker
from storage import schema
from storage.db import make_engine, make_sessionmaker, relaxed_durability
from storage.repositories import inbox
from tests.inbox_seed import NOW, record

FULL, NORMAL = 2, 1


def _level(session: Session) -> int:
    return int(session.execute(text("PRAGMA synchronous")).scalar_one())


def _one_connection(tmp_path: Path) -> sessionmaker[Session]:
    """One pooled connection, so the test sees what the next user of it gets."""
    url = f"sqlite:///{tmp_path}/bot.db"
    schema.upgrade(make_engine(url))
    return make_sessionmaker(make_engine(url, pool_size=1, max_overflow=0))


def test_an_acks_record_waits_for_the_disk_after_the_worker_settled_without(
    tmp_path: Path,
) -> None:
    sessions = _one_connection(tmp_path)
    with sessions.begin() as session:
        assert _level(session) == FULL, "a record before the ack"
        inbox.add(
            session, source="slack", kind="event", delivery_key="Ev1", handler="message",
            payload="{}", now=NOW,
        )  # fmt: skip
    with relaxed_durability(), sessions.begin() as session:
        assert _level(session) == NORMAL, "the worker's claim"
        (_item,) = inbox.claim_next(session, worker="w", now=NOW, lease_seconds=60)
    with sessions.begin() as session:
        assert _level(session) == FULL, "the same connection, next an ack's"
    assert record(sessions, "Ev2")


def test_the_worker_claims_and_settles_without_waiting_for_the_disk(tmp_path: Path) -> None:
    sessions = _one_connection(tmp_path)
    record(sessions, "Ev1")
    seen: list[int] = []

    def handle(_item: inbox.Claimed) -> None:
        with sessions.begin() as session:
            seen.append(_level(session))  # a flow's own transaction: it waits

    worker = Worker(sessions, handle, worker_name="w", clock=lambda: NOW)
    assert worker.run_once()
    assert seen == [FULL]
    raw = sessions.kw["bind"].raw_connection()  # as the settle left it, no BEGIN since
    try:
        assert raw.driver_connection.execute("PRAGMA synchronous").fetchone() == (NORMAL,)
    finally:
        raw.close()
    with sessions() as session:
        assert inbox.counts(session)["done"] == 1
