"""The inbox worker on SQLite and PostgreSQL: at least once, in order per thread, stops cleanly.

Leases and backoff run on an injected clock (`Clock`), so no test waits for
them; threads are followed with events and condition waits that have timeouts.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox import Backoff, Claimed, Permanent, Retry, Worker
from storage.db import make_engine, make_sessionmaker
from storage.repositories import inbox
from tests.inbox_seed import NOW, record

LEASE = 60.0
WAIT = 30.0  # seconds any one wait for a thread may take before the test fails
NO_JITTER = Backoff(base_seconds=10, factor=2, cap_seconds=600, jitter=0)


class Clock:
    """The time the worker reads; a test moves it by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Seen:
    """What the handler was given, in order; waits until a condition holds."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.changed = threading.Condition()

    def add(self, item: Claimed) -> None:
        with self.changed:
            self.keys.append(item.delivery_key)
            self.changed.notify_all()

    def wait_for(self, condition: Callable[[list[str]], bool]) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: condition(self.keys), timeout=WAIT), self.keys


def row(sessions: sessionmaker[Session], key: str) -> tuple[str, int, str | None]:
    with sessions() as session:
        (item,) = [i for i in _all(session) if i.delivery_key == key]
        return item.status, item.attempts, item.last_error


def _all(session: Session) -> list[inbox.InboxItem]:
    return list(session.query(inbox.InboxItem).order_by(inbox.InboxItem.id))


def until(condition: Callable[[], bool]) -> None:
    """Wait for a state no event announces (a flag another thread sets)."""
    done = threading.Event()
    for _ in range(int(WAIT / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition not reached")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stopped() -> Iterator[list[Worker]]:
    """Workers a test started; stopped at the end whatever happened."""
    workers: list[Worker] = []
    yield workers
    for worker in workers:
        worker.stop(grace_seconds=5)


def test_a_retry_after_waits_for_its_time(sessions: sessionmaker[Session], clock: Clock) -> None:
    calls: list[int] = []

    def handle(item: Claimed) -> None:
        calls.append(item.attempts)
        if len(calls) == 1:
            raise Retry(30, "ratelimited")

    worker = Worker(sessions, handle, worker_name="w", clock=clock, backoff=NO_JITTER)
    record(sessions, "Ev01")

    assert worker.run_once() is True
    assert row(sessions, "Ev01") == ("pending", 1, "ratelimited")
    clock.advance(29)
    assert worker.run_once() is False, "Retry-After 30 s is honoured"
    clock.advance(1)
    assert worker.run_once() is True
    assert calls == [0, 1]
    assert row(sessions, "Ev01") == ("done", 1, "ratelimited")


def test_an_item_failing_past_max_attempts_is_a_dead_letter_until_requeued(
    sessions: sessionmaker[Session], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    broken = [True]

    def handle(item: Claimed) -> None:
        if broken[0]:
            raise ConnectionError("slack.com unreachable")

    worker = Worker(
        sessions, handle, worker_name="w", clock=clock, backoff=NO_JITTER, max_attempts=3
    )
    record(sessions, "Ev01")
    with caplog.at_level(logging.WARNING, logger="bot.inbox.worker"):
        assert worker.run_once() is True
        clock.advance(9)
        assert worker.run_once() is False, "the first backoff is 10 s"
        clock.advance(1)
        assert worker.run_once() is True
        clock.advance(19)
        assert worker.run_once() is False, "the second backoff is 20 s"
        clock.advance(1)
        assert worker.run_once() is True
    status, attempts, error = row(sessions, "Ev01")
    assert (status, attempts) == ("dead", 3)
    assert error == "gave up after 3 attempts: ConnectionError: slack.com unreachable"
    with sessions() as session:
        (dead,) = inbox.list_dead(session)
    assert_logged(
        caplog,
        retries=2,
        dead_letter=f"item={dead.id} source=slack delivery=Ev01 "
        f"handler=message attempts=3 error={error}",
    )

    with sessions.begin() as session:
        assert inbox.requeue(session, dead.id, now=clock()) is True
    broken[0] = False
    assert worker.run_once() is True
    assert row(sessions, "Ev01")[:2] == ("done", 0)


def assert_logged(caplog: pytest.LogCaptureFixture, *, retries: int, dead_letter: str) -> None:
    """One line per retry and one for the dead letter, each with the handler's traceback."""
    records = [r for r in caplog.records if r.name == "bot.inbox.worker"]
    assert all(r.exc_info for r in records)
    lines = [r.getMessage() for r in records]
    assert [line.split(" item=")[0] for line in lines] == ["inbox retry"] * retries + [
        "inbox dead letter"
    ]
    assert lines[-1] == f"inbox dead letter {dead_letter}"


def test_a_permanent_failure_is_a_dead_letter_at_once(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    def handle(item: Claimed) -> None:
        raise Permanent("payload is not JSON")

    worker = Worker(sessions, handle, worker_name="w", clock=clock)
    record(sessions, "Ev01")
    assert worker.run_once() is True
    assert row(sessions, "Ev01") == ("dead", 1, "payload is not JSON")


def test_a_dead_workers_items_are_taken_over_after_the_lease(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    seen = Seen()
    record(sessions, "Ev01")
    with sessions.begin() as session:  # claimed by a process that then died
        inbox.claim_next(session, worker="pod-1", now=clock(), lease_seconds=LEASE)
    worker = Worker(sessions, seen.add, worker_name="pod-2", lease_seconds=LEASE, clock=clock)

    clock.advance(LEASE)
    assert worker.run_once() is False, "pod-1 may still be alive"
    clock.advance(1)
    assert worker.run_once() is True
    assert seen.keys == ["Ev01"]
    assert row(sessions, "Ev01") == ("done", 1, "lease ran out under pod-1")


def test_an_item_whose_leases_ran_out_too_often_is_buried_unrun(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """A payload that kills its process every time must not kill every replica in turn."""
    seen = Seen()
    record(sessions, "Ev01")
    for _ in range(3):
        with sessions.begin() as session:
            inbox.claim_next(session, worker="doomed", now=clock(), lease_seconds=LEASE)
        clock.advance(LEASE + 1)
    worker = Worker(sessions, seen.add, worker_name="w", clock=clock, max_attempts=3)

    assert worker.run_once() is True
    assert seen.keys == []
    assert row(sessions, "Ev01") == (
        "dead",
        3,
        "gave up after 3 attempts: lease ran out under doomed",
    )


def test_the_same_worker_name_restarting_takes_its_items_back_at_once(
    sessions: sessionmaker[Session], clock: Clock, stopped: list[Worker]
) -> None:
    seen = Seen()
    record(sessions, "Ev01")
    with sessions.begin() as session:  # pod-0's previous process, killed mid-item
        inbox.claim_next(session, worker="pod-0", now=clock(), lease_seconds=LEASE)

    worker = Worker(sessions, seen.add, worker_name="pod-0", clock=clock)
    stopped.append(worker)
    assert worker.start() == 1, "no waiting for the lease: the clock has not moved"
    seen.wait_for(lambda keys: keys == ["Ev01"])


def test_the_heartbeat_keeps_a_long_item_from_being_taken_over(
    sessions: sessionmaker[Session], clock: Clock, stopped: list[Worker]
) -> None:
    running, finish = threading.Event(), threading.Event()
    ids: list[int] = []

    def slow(item: Claimed) -> None:
        ids.append(item.id)
        running.set()
        assert finish.wait(WAIT)

    # A heartbeat too slow to fire by itself: the test beats by hand.
    worker = Worker(sessions, slow, worker_name="a", clock=clock, heartbeat_seconds=LEASE - 1)
    stopped.append(worker)
    rival = Worker(sessions, slow, worker_name="b", clock=clock)
    record(sessions, "Ev01")
    worker.start()
    assert running.wait(WAIT)

    clock.advance(LEASE - 10)
    assert worker.renew_leases() == set(ids)
    clock.advance(20)  # past the first lease, within the renewed one
    assert rival.run_once() is False
    finish.set()


def test_one_threads_items_run_in_arrival_order_one_at_a_time_while_others_proceed(
    sessions: sessionmaker[Session], stopped: list[Worker]
) -> None:
    order: dict[str, list[str]] = {"A": [], "B": [], "C": []}
    running: Counter[str] = Counter()
    overlaps: list[str] = []
    lock = threading.Lock()
    b_done, everything = threading.Event(), threading.Event()
    total = 3 * 20

    def handle(item: Claimed) -> None:
        thread = item.order_key or ""
        with lock:
            running[thread] += 1
            if running[thread] > 1:
                overlaps.append(item.delivery_key)
        if item.delivery_key == "A00":  # A's first item waits until B got through
            assert b_done.wait(WAIT), "thread B was held up by thread A"
        with lock:
            running[thread] -= 1
            order[thread].append(item.delivery_key)
            if len(order["B"]) == 20:
                b_done.set()
            if sum(map(len, order.values())) == total:
                everything.set()

    for n in range(20):
        for thread in "ABC":
            record(sessions, f"{thread}{n:02d}", order_key=thread, at=datetime.now(UTC))
    worker = Worker(sessions, handle, worker_name="w", threads=4, poll_interval=0.05)
    stopped.append(worker)
    worker.start()

    assert everything.wait(WAIT)
    assert overlaps == []
    for thread in "ABC":
        assert order[thread] == [f"{thread}{n:02d}" for n in range(20)]


def test_wake_starts_new_work_before_the_next_poll(
    sessions: sessionmaker[Session], stopped: list[Worker]
) -> None:
    seen = Seen()
    commits: list[Session] = []
    event.listen(sessions, "after_commit", commits.append)
    worker = Worker(sessions, seen.add, worker_name="w", poll_interval=3600)
    stopped.append(worker)
    worker.start()
    until(lambda: len(commits) >= 2)  # start's reclaim, then a first claim that found nothing

    record(sessions, "Ev01", at=datetime.now(UTC))
    worker.wake()
    seen.wait_for(lambda keys: keys == ["Ev01"])


def test_stop_finishes_the_item_in_flight_and_releases_the_rest(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    started = {"Ev01": threading.Event(), "Ev02": threading.Event()}
    finish_first, finish_second = threading.Event(), threading.Event()

    def handle(item: Claimed) -> None:
        started[item.delivery_key].set()
        gate = finish_first if item.delivery_key == "Ev01" else finish_second
        assert gate.wait(WAIT)

    for key in ("Ev01", "Ev02", "Ev03"):
        record(sessions, key, at=datetime.now(UTC))
    worker = Worker(sessions, handle, worker_name="pod-0", threads=2, poll_interval=0.05)
    worker.start()
    assert all(event.wait(WAIT) for event in started.values())

    released: list[int] = []
    stopper = threading.Thread(target=lambda: released.append(worker.stop(grace_seconds=3)))
    stopper.start()
    until(lambda: worker.stopping)
    finish_first.set()  # Ev01 ends within the grace period; Ev02 overruns it
    stopper.join(WAIT)

    assert released == [1]
    assert row(sessions, "Ev01")[0] == "done"
    assert row(sessions, "Ev02") == ("pending", 0, None), "given back, not counted as failed"
    assert row(sessions, "Ev03") == ("pending", 0, None), "never claimed after stop"
    with caplog.at_level(logging.WARNING, logger="bot.inbox.worker"):
        finish_second.set()  # the overrunning run ends after its claim was given back
        for thread in worker._threads:
            thread.join(WAIT)
    assert row(sessions, "Ev02") == ("pending", 0, None), "its late end settles nothing"
    assert any("inbox claim lost" in r.getMessage() for r in caplog.records)


def test_two_workers_drain_500_items_none_twice_none_lost(database_url: str) -> None:
    engines: list[Engine] = [make_engine(database_url) for _ in range(2)]
    seen: Counter[int] = Counter()
    lock, drained = threading.Lock(), threading.Event()

    def handle(item: Claimed) -> None:
        with lock:
            seen[item.id] += 1
            if len(seen) == 500:
                drained.set()

    producer = make_sessionmaker(engines[0])
    for n in range(500):
        thread = f"thread-{n % 7}" if n % 2 else None
        record(producer, f"Ev{n:03d}", order_key=thread, at=datetime.now(UTC))
    workers = [
        Worker(make_sessionmaker(engine), handle, worker_name=f"pod-{n}", threads=2)
        for n, engine in enumerate(engines)
    ]
    try:
        for worker in workers:
            worker.start()
        assert drained.wait(120), f"{len(seen)} of 500 processed"
    finally:
        for worker in workers:
            worker.stop(grace_seconds=10)
    with producer() as session:
        counts = inbox.counts(session)
    for engine in engines:
        engine.dispose()
    assert [n for n in seen.values() if n != 1] == [], "processed twice"
    assert counts == {"pending": 0, "claimed": 0, "done": 500, "dead": 0}


def test_backoff_grows_is_capped_and_jitters_downwards_only() -> None:
    fixed = Backoff(base_seconds=2, factor=2, cap_seconds=60, jitter=0.5, random=lambda: 1.0)
    assert [fixed.delay(n) for n in (1, 2, 3, 10)] == [1.0, 2.0, 4.0, 30.0]
    none = Backoff(base_seconds=2, factor=2, cap_seconds=60, jitter=0.5, random=lambda: 0.0)
    assert [none.delay(n) for n in (1, 2, 3, 10)] == [2.0, 4.0, 8.0, 60.0]
    assert fixed.delay(1, requested=120) == 120, "Retry-After is honoured, not capped"


class Flaky:
    """`sessions`, except that `begin` fails while `down`: the database went away."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions, self.down = sessions, False

    def begin(self) -> Any:
        if self.down:
            raise OperationalError("BEGIN", {}, Exception("connection refused"))
        return self.sessions.begin()


def test_an_outcome_the_database_would_not_take_is_settled_once_it_is_back(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    flaky = Flaky(sessions)
    runs: list[str] = []

    def handle(item: Claimed) -> None:
        runs.append(item.delivery_key)
        flaky.down = True  # the item's work is done; then the database goes away

    worker = Worker(flaky, handle, worker_name="w", clock=clock)  # type: ignore[arg-type]
    record(sessions, "Ev01")

    assert worker.run_once() is True
    assert row(sessions, "Ev01")[0] == "claimed"
    flaky.down = False
    assert worker.run_once() is False, "nothing else is due"

    assert row(sessions, "Ev01")[0] == "done"
    assert runs == ["Ev01"], "settled, not run again after its lease"


def test_done_items_older_than_keep_done_are_pruned(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    worker = Worker(
        sessions, lambda item: None, worker_name="w", clock=clock, keep_done=timedelta(days=7)
    )
    record(sessions, "Ev01")
    record(sessions, "Ev02")
    assert worker.run_once() and worker.run_once()
    clock.advance(6 * 86400)
    record(sessions, "Ev03", at=clock.now)
    assert worker.run_once()

    clock.advance(86400 + 1)
    assert worker.prune() == 2

    assert [key for key in ("Ev01", "Ev02", "Ev03") if _exists(sessions, key)] == ["Ev03"]


def _exists(sessions: sessionmaker[Session], key: str) -> bool:
    with sessions() as session:
        return any(item.delivery_key == key for item in _all(session))


def test_a_restart_on_a_database_that_takes_no_write_starts_and_takes_its_claims_back_later(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """A bot restarted while its database is read-only (or away) still starts (so it can
    answer 503 and /healthz not-ready); it takes back what it held once writes work again."""
    record(sessions, "Ev01")
    with sessions.begin() as session:  # the previous process, same name, died holding it
        inbox.claim_next(session, worker="w", now=clock(), lease_seconds=LEASE)
    seen = Seen()
    flaky = Flaky(sessions)
    flaky.down = True
    worker = Worker(
        flaky,  # type: ignore[arg-type]
        seen.add,
        worker_name="w",
        clock=clock,
        heartbeat_seconds=0.05,
        poll_interval=0.05,
    )

    assert worker.start() == 0
    flaky.down = False
    seen.wait_for(lambda keys: keys == ["Ev01"])
    worker.stop(grace_seconds=5)
    assert row(sessions, "Ev01")[:2] == ("done", 1), "taken back once, as a failed attempt"
