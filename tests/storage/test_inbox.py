"""The inbox table on SQLite and PostgreSQL: recorded once, claimed in order, never lost.

Every test passes `now` itself: leases and backoff are read against that clock,
so nothing here waits for time to pass.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_sessionmaker
from storage.models import Base
from storage.repositories import inbox
from tests.inbox_seed import NOW, record, record_in

LEASE = 60.0


def claim(
    sessions: sessionmaker[Session], worker: str = "a", at: datetime = NOW, limit: int = 10
) -> list[inbox.Claimed]:
    with sessions.begin() as session:
        return inbox.claim_next(session, worker=worker, now=at, lease_seconds=LEASE, limit=limit)


def keys(items: list[inbox.Claimed]) -> list[str]:
    return [item.delivery_key for item in items]


def settle(sessions: sessionmaker[Session], item: inbox.Claimed, at: datetime = NOW) -> bool:
    with sessions.begin() as session:
        return inbox.complete(session, item, now=at)


def test_the_migration_makes_the_table_the_model_describes(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = [d for d in compare_metadata(context, Base.metadata) if "inbox" in repr(d)]
    assert drift == []


def test_a_redelivery_is_recorded_once(sessions: sessionmaker[Session]) -> None:
    assert record(sessions, "Ev01") is True
    assert record(sessions, "Ev01", at=NOW + timedelta(seconds=3)) is False, "Slack's retry"

    (item,) = claim(sessions)
    assert (item.source, item.kind, item.handler, item.team_id) == (
        "slack",
        "event",
        "message",
        "T1",
    )
    assert item.payload == '{"event_id": "Ev01"}'
    assert item.headers == {"X-Slack-Request-Timestamp": "1764061200"}
    assert item.received_at == NOW
    with sessions() as session:
        assert inbox.counts(session)["claimed"] == 1


def test_the_same_key_from_another_sender_is_another_delivery(
    sessions: sessionmaker[Session],
) -> None:
    record(sessions, "X1")
    with sessions.begin() as session:
        added = inbox.add(
            session,
            source="pagerduty",
            kind="webhook",
            delivery_key="X1",
            handler="pagerduty",
            payload="{}",
            now=NOW,
        )
    assert added is True


def test_two_requests_racing_with_one_delivery_key_record_it_once(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def deliver(engine: Engine) -> None:
        barrier.wait(timeout=10)
        results.append(record(make_sessionmaker(engine), "EvRACE"))

    threads = [threading.Thread(target=deliver, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for engine in engines:
        engine.dispose()
    assert sorted(results) == [False, True]


def test_one_thread_runs_in_arrival_order_one_at_a_time_while_others_proceed(
    sessions: sessionmaker[Session],
) -> None:
    for n in range(1, 4):
        record(sessions, f"A{n}", order_key="thread-A")
    record(sessions, "B1", order_key="thread-B")
    record(sessions, "N1")

    first = claim(sessions)
    assert keys(first) == ["A1", "B1", "N1"], "one item per thread, and unordered ones"
    assert claim(sessions, "b") == [], "A2 waits for A1 even for another worker"

    settle(sessions, first[0])
    second = claim(sessions, "b")
    assert keys(second) == ["A2"]

    with sessions.begin() as session:
        inbox.retry(session, second[0], now=NOW, after=30, error="ratelimited")
    assert claim(sessions, at=NOW + timedelta(seconds=29)) == [], "A3 waits out A2's backoff"
    (again,) = claim(sessions, at=NOW + timedelta(seconds=30))
    assert (again.delivery_key, again.attempts) == ("A2", 1)
    settle(sessions, again)
    assert keys(claim(sessions)) == ["A3"]


def test_two_items_of_one_thread_commit_in_the_order_they_drew_their_ids(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """Else a worker could run a later id before an earlier one became visible."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    first = sessions()
    first.begin()
    record_in(first, "A1", order_key="thread-A")
    second = threading.Thread(
        target=record, args=(sessions, "A2"), kwargs={"order_key": "thread-A"}
    )
    second.start()
    try:
        _until_waiting_for_an_advisory_lock(sessions)
        assert second.is_alive(), "A2 waits for A1's transaction"
    finally:
        first.commit()
        first.close()
        second.join(timeout=30)
    assert keys(claim(sessions, limit=2)) == ["A1"]


def _until_waiting_for_an_advisory_lock(sessions: sessionmaker[Session]) -> None:
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    pause = threading.Event()
    for _ in range(3000):
        with sessions() as session:
            if session.scalar(waiting):
                return
        pause.wait(0.01)
    raise AssertionError("the second insert never waited")


def test_a_dead_workers_claim_is_taken_over_once_its_lease_runs_out(
    sessions: sessionmaker[Session],
) -> None:
    record(sessions, "Ev01")
    (held,) = claim(sessions, "host-a:41")

    assert claim(sessions, "host-b:7", at=NOW + timedelta(seconds=LEASE)) == [], "still leased"
    (taken,) = claim(sessions, "host-b:7", at=NOW + timedelta(seconds=LEASE + 1))

    assert (taken.worker, taken.attempts) == ("host-b:7", 1), "the dead run counts"
    assert taken.last_error == "lease ran out under host-a:41"
    assert settle(sessions, held) is False, "the old claim no longer settles anything"
    assert settle(sessions, taken) is True


def test_a_renewed_lease_is_not_taken_over(sessions: sessionmaker[Session]) -> None:
    record(sessions, "Ev01")
    (held,) = claim(sessions, "a")
    with sessions.begin() as session:
        renewed = inbox.renew(session, [held], now=NOW + timedelta(seconds=50), lease_seconds=LEASE)
    assert renewed == {held.id}

    assert claim(sessions, "b", at=NOW + timedelta(seconds=LEASE + 1)) == []
    assert len(claim(sessions, "b", at=NOW + timedelta(seconds=50 + LEASE + 1))) == 1


def test_the_next_item_of_a_thread_waits_for_a_taken_over_one(
    sessions: sessionmaker[Session],
) -> None:
    record(sessions, "A1", order_key="thread-A")
    record(sessions, "A2", order_key="thread-A")
    claim(sessions, "dead")

    later = NOW + timedelta(seconds=LEASE + 1)
    assert keys(claim(sessions, "live", at=later)) == ["A1"], "A1 again, not A2"


def test_a_restart_under_the_same_name_takes_its_claims_back_at_once(
    sessions: sessionmaker[Session],
) -> None:
    record(sessions, "Ev01")
    record(sessions, "Ev02")
    claim(sessions, "pod-0")
    claim(sessions, "pod-1")  # nothing left for it: Ev01 and Ev02 are pod-0's

    with sessions.begin() as session:
        assert inbox.reclaim(session, worker="pod-0", now=NOW + timedelta(seconds=5)) == 2
    reclaimed = claim(sessions, "pod-0", at=NOW + timedelta(seconds=5))
    assert [(item.delivery_key, item.attempts, item.last_error) for item in reclaimed] == [
        ("Ev01", 1, "pod-0 restarted"),
        ("Ev02", 1, "pod-0 restarted"),
    ], "the run that died with the old process counts"


def test_a_graceful_release_gives_claims_back_without_counting_them(
    sessions: sessionmaker[Session],
) -> None:
    record(sessions, "Ev01")
    claim(sessions, "pod-0")
    with sessions.begin() as session:
        assert inbox.release(session, worker="pod-1", now=NOW) == 0
        assert inbox.release(session, worker="pod-0", now=NOW) == 1

    (item,) = claim(sessions, "pod-1")
    assert (item.attempts, item.last_error) == (0, None)


def test_a_dead_letter_is_listed_requeued_or_dropped(sessions: sessionmaker[Session]) -> None:
    record(sessions, "Ev01")
    record(sessions, "Ev02")
    first, second = claim(sessions)
    with sessions.begin() as session:
        assert inbox.bury(session, first, now=NOW, error="channel_not_found " * 100)
        assert inbox.bury(session, second, now=NOW, error="invalid payload")

    with sessions.begin() as session:
        dead = inbox.list_dead(session)
        assert [row.delivery_key for row in dead] == ["Ev01", "Ev02"]
        assert len(dead[0].last_error or "") == inbox.ERROR_LENGTH
        assert dead[0].attempts == 1
        assert inbox.requeue(session, first.id, now=NOW) is True
        assert inbox.requeue(session, first.id, now=NOW) is False, "only a dead letter"
        assert inbox.drop(session, second.id) is True
        assert inbox.drop(session, first.id) is False, "a pending item is not dropped"

    (again,) = claim(sessions)
    assert (again.delivery_key, again.attempts) == ("Ev01", 0)
    with sessions() as session:
        assert inbox.counts(session) == {"pending": 0, "claimed": 1, "done": 0, "dead": 0}


def test_counts_and_the_age_of_the_oldest_waiting_item(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert inbox.counts(session) == {"pending": 0, "claimed": 0, "done": 0, "dead": 0}
        assert inbox.oldest_pending_age(session, now=NOW) is None
    for n in range(4):
        record(sessions, f"Ev{n}", at=NOW + timedelta(minutes=n))
    done, dead, _held = claim(sessions, at=NOW + timedelta(minutes=3), limit=3)
    settle(sessions, done)
    with sessions.begin() as session:
        inbox.bury(session, dead, now=NOW, error="bad")

    with sessions() as session:
        assert inbox.counts(session) == {"pending": 1, "claimed": 1, "done": 1, "dead": 1}
        age = inbox.oldest_pending_age(session, now=NOW + timedelta(minutes=10))
    assert age == timedelta(minutes=8), "Ev2, claimed and not done yet"


def test_prune_forgets_done_items_only(sessions: sessionmaker[Session]) -> None:
    record(sessions, "Ev01")
    record(sessions, "Ev02")
    done, _held = claim(sessions)
    settle(sessions, done)
    with sessions.begin() as session:
        assert inbox.prune(session, done_before=NOW + timedelta(days=7)) == 1
    assert record(sessions, "Ev01") is True, "a pruned delivery key is new again"


def _claim_steps(sessions: sessionmaker[Session]) -> tuple[list[str], int]:
    """What one claim took, and how many SQLite VM steps its statements ran (the rows
    they read: a count that does not move with the machine's load)."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with sessions.begin() as session:
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        raw.set_progress_handler(count, 1)
        try:
            taken = inbox.claim_next(session, worker="a", now=NOW, lease_seconds=LEASE)
        finally:
            raw.set_progress_handler(None, 1)
    return keys(taken), steps


def test_a_busy_threads_week_of_done_items_does_not_slow_its_next_claim(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("counts SQLite's VM steps; PostgreSQL's plan has the same index")
    record(sessions, "quiet-1", order_key="C-QUIET")
    _, quiet = _claim_steps(sessions)
    with sessions.begin() as session:
        for n in range(2000):
            record_in(session, f"busy-{n}", order_key="C-BUSY")
        session.execute(text("UPDATE inbox SET status = 'done' WHERE order_key = 'C-BUSY'"))
        record_in(session, "busy-next", order_key="C-BUSY")
    taken, busy = _claim_steps(sessions)
    assert taken == ["busy-next"]
    assert busy < 3 * quiet, f"{busy} steps behind 2,000 done items, {quiet} with none"
