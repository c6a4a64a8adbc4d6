"""`Worker`: process the inbox at least once, with retries, leases and a graceful stop.

The caller gives a `handle(item: Claimed) -> None`; the worker claims items
(`storage.repositories.inbox.claim_next`, one short transaction per claim),
runs `handle` outside any transaction, and settles each item in a short
transaction of its own. What `handle` raises decides the item's fate:

    Exception
    ├── HandlerSignal        what a handler raises on purpose to steer the worker
    │   ├── Retry            transient (Slack 429 with Retry-After, 5xx, network):
    │   │                    try again after `after_seconds`, or after the backoff
    │   └── Permanent        cannot succeed (a payload we cannot read): dead letter at once
    └── anything else        transient, retried with backoff (its traceback is logged)

Every failure counts as an attempt, Retry's too; the failure that makes
`max_attempts` buries the item (dead letter), and so does claiming an item
whose leases ran out that often under dead processes. `HandlerSignal` is not a
`bot.errors.BotError`, so no `except BotError` meant for a person catches it.

Leases: a claim holds for `lease_seconds`; a heartbeat thread renews the
leases of the items in flight every `heartbeat_seconds`, so a long item of a
live replica is not taken over. A replica that dies stops renewing, and its
items are taken over by any worker once the lease runs out. The worker name is
the claim's owner: a process restarted with the same `worker_name` (a pod or
container name, not host:pid) takes back at once what it held before it died
(`start` calls `reclaim`). Two live processes must never share a name.

`stop(grace_seconds)` stops claiming, waits for the items in flight up to the
grace period, then releases every claim still held, due at once elsewhere; an
item that overran the grace may then run twice (handlers are idempotent).
Done items are deleted once older than `keep_done`, checked every
`prune_every_seconds` by the heartbeat thread (their delivery keys go with them: keep
them longer than any sender retries). `on_dead(item, error)`, when given, is called
after an item became a dead letter, to tell whoever asked; what it raises is logged.
Logs: one line per retry (warning) and per dead letter (error).
On SQLite a claim and a settle commit without waiting for the disk
(`storage.db.relaxed_durability`): undone by a power cut, the item only runs again;
the handler's own transactions, and every record made before an ack, still wait for it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox.backoff import Backoff
from storage.db import relaxed_durability
from storage.models import utcnow
from storage.repositories import inbox
from storage.repositories.inbox import Claimed

logger = logging.getLogger(__name__)

Handle = Callable[[Claimed], None]
OnDead = Callable[[Claimed, str], None]
Clock = Callable[[], datetime]


class HandlerSignal(Exception):
    """Raised by a handler to tell the worker what to do with its item."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Retry(HandlerSignal):
    """Transient: run the item again after `after_seconds` (None: the worker's backoff)."""

    def __init__(self, after_seconds: float | None = None, reason: str = "retry") -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds


class Permanent(HandlerSignal):
    """The item can never succeed: dead letter at once."""


def default_worker_name() -> str:
    """host:pid: unique, but new at every start, so a restart waits out its old leases."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class _Outcome:
    kind: str  # "complete", "retry" or "bury"
    error: str = ""
    after: float = 0.0
    failed: bool = True  # the run failed: one more attempt is counted
    exception: BaseException | None = None  # unexpected: its traceback goes with the log line


class Worker:
    """Threads that claim, run and settle inbox items; see the module docstring."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        handle: Handle,
        *,
        worker_name: str,
        lease_seconds: float = 60.0,
        poll_interval: float = 1.0,
        threads: int = 1,
        backoff: Backoff | None = None,
        max_attempts: int = 8,
        heartbeat_seconds: float | None = None,
        clock: Clock = utcnow,
        on_dead: OnDead | None = None,
        keep_done: timedelta | None = None,
        prune_every_seconds: float = 3600.0,
    ) -> None:
        if lease_seconds <= 0 or poll_interval <= 0 or threads < 1 or max_attempts < 1:
            raise ValueError("lease and poll interval must be positive, threads and attempts ≥ 1")
        if heartbeat_seconds is not None and not 0 < heartbeat_seconds < lease_seconds:
            raise ValueError("the heartbeat must beat more often than the lease runs out")
        self.worker_name = worker_name
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.heartbeat_seconds = heartbeat_seconds or lease_seconds / 3
        self.backoff = backoff or Backoff()
        self._sessions = sessions
        self._handle = handle
        self._on_dead = on_dead
        self.keep_done = keep_done
        self.prune_every_seconds = prune_every_seconds
        self._clock = clock
        self._thread_count = threads
        self._threads: list[threading.Thread] = []
        self._heartbeat: threading.Thread | None = None
        self._stopping = threading.Event()
        self._beat_stop = threading.Event()
        self._wakeups = threading.Condition()
        self._generation = 0
        self._lock = threading.Lock()
        self._in_flight: dict[int, Claimed] = {}
        # Outcomes the database would not take (it was away): settled at the next claim.
        self._unsettled: list[tuple[Claimed, _Outcome]] = []
        self._reclaim_pending = False

    def start(self) -> int:
        """Take back what this worker name held before a restart, then start the threads;
        returns how many items were taken back."""
        if self._threads:
            raise RuntimeError("worker already started")
        reclaimed = self._reclaim()
        for number in range(self._thread_count):
            thread = threading.Thread(
                target=self._loop, name=f"inbox-{self.worker_name}-{number}", daemon=True
            )
            self._threads.append(thread)
        self._heartbeat = threading.Thread(
            target=self._beat, name=f"inbox-{self.worker_name}-heartbeat", daemon=True
        )
        for thread in [*self._threads, self._heartbeat]:
            thread.start()
        return reclaimed

    def _reclaim(self) -> int:
        """Take back this name's claims; 0 (and again at the next heartbeat) when the database
        will not take the write now (away, read-only, full): the bot still starts, answers 503
        until it can record, and the claims are not lost (their leases run out otherwise)."""
        try:
            with self._sessions.begin() as session:
                reclaimed = inbox.reclaim(session, worker=self.worker_name, now=self._clock())
        except DBAPIError as error:
            self._reclaim_pending = True
            logger.warning(
                "inbox reclaim deferred worker=%s error=%s", self.worker_name, _first_line(error)
            )
            return 0
        self._reclaim_pending = False
        if reclaimed:
            logger.info("inbox reclaimed worker=%s items=%d", self.worker_name, reclaimed)
        return reclaimed

    def wake(self) -> None:
        """New work was recorded: idle threads claim now instead of at the next poll."""
        with self._wakeups:
            self._generation += 1
            self._wakeups.notify_all()

    def stop(self, grace_seconds: float = 30.0) -> int:
        """Stop claiming, wait up to `grace_seconds` for the items in flight, then release
        every claim still held; returns how many were released."""
        self._stopping.set()
        self.wake()
        deadline = time.monotonic() + grace_seconds
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        running = sum(thread.is_alive() for thread in self._threads)
        self._settle_later_ones()
        try:
            with self._sessions.begin() as session:
                released = inbox.release(session, worker=self.worker_name, now=self._clock())
        except Exception:
            # The database is away: the claims come back when their leases run out, or
            # at once when this worker name starts again.
            logger.exception("inbox release failed worker=%s", self.worker_name)
            released = 0
        finally:
            self._beat_stop.set()
            if self._heartbeat is not None:
                self._heartbeat.join()
        logger.info(
            "inbox worker stopped worker=%s released=%d overran_grace=%d",
            self.worker_name,
            released,
            running,
        )
        return released

    @property
    def stopping(self) -> bool:
        """True from the moment `stop` is called: no item is claimed any more."""
        return self._stopping.is_set()

    def in_flight(self) -> list[Claimed]:
        with self._lock:
            return list(self._in_flight.values())

    def run_once(self) -> bool:
        """Claim one due item and process it in the calling thread; False when none was due.

        The threads started by `start` loop on this; tests and a one-off drain may
        call it directly (leases are renewed only while the heartbeat runs)."""
        self._settle_later_ones()
        with relaxed_durability(), self._sessions.begin() as session:
            claimed = inbox.claim_next(
                session,
                worker=self.worker_name,
                now=self._clock(),
                lease_seconds=self.lease_seconds,
            )
        if not claimed:
            return False
        for item in claimed:
            self._process(item)
        return True

    def renew_leases(self) -> set[int]:
        """One heartbeat: extend the leases of the items in flight; the ids still held."""
        items = self.in_flight()
        if not items:
            return set()
        with self._sessions.begin() as session:
            held = inbox.renew(session, items, now=self._clock(), lease_seconds=self.lease_seconds)
        for item in items:
            if item.id not in held and item.id in {i.id for i in self.in_flight()}:
                logger.warning(
                    "inbox claim lost item=%d worker=%s: its lease ran out and it was taken over",
                    item.id,
                    self.worker_name,
                )
        return held

    def _loop(self) -> None:
        failing = False
        while not self._stopping.is_set():
            seen = self._generation
            try:
                busy, failing = self.run_once(), False
            except Exception as error:
                if failing:  # the traceback was logged when it started failing
                    logger.warning("inbox claim still failing: %s", type(error).__name__)
                else:
                    logger.exception("inbox claim failed worker=%s", self.worker_name)
                busy, failing = False, True
            if not busy:
                with self._wakeups:
                    if self._generation == seen and not self._stopping.is_set():
                        self._wakeups.wait(self.poll_interval)

    def prune(self) -> int:
        """Delete the done items older than `keep_done`; how many."""
        if self.keep_done is None:
            return 0
        with self._sessions.begin() as session:
            pruned = inbox.prune(session, done_before=self._clock() - self.keep_done)
        if pruned:
            logger.info("inbox pruned worker=%s done_items=%d", self.worker_name, pruned)
        return pruned

    def _beat(self) -> None:
        pruned_at: float | None = None
        while not self._beat_stop.wait(self.heartbeat_seconds):
            try:
                if self._reclaim_pending:
                    self._reclaim()
                self.renew_leases()
                if pruned_at is None or time.monotonic() - pruned_at >= self.prune_every_seconds:
                    pruned_at = time.monotonic()
                    self.prune()
            except Exception:
                logger.exception("inbox heartbeat failed worker=%s", self.worker_name)

    def _process(self, item: Claimed) -> None:
        with self._lock:
            self._in_flight[item.id] = item
        try:
            if item.attempts >= self.max_attempts:
                reason = f"gave up after {item.attempts} attempts: {item.last_error}"
                self._settle(item, _Outcome("bury", reason, failed=False))
            else:
                self._settle(item, self._run(item))
        finally:
            with self._lock:
                self._in_flight.pop(item.id, None)

    def _run(self, item: Claimed) -> _Outcome:
        try:
            self._handle(item)
        except Permanent as signal:
            return _Outcome("bury", signal.reason)
        except Retry as signal:
            return self._failed(item, signal.reason, signal.after_seconds)
        except Exception as error:
            return self._failed(item, f"{type(error).__name__}: {error}", None, error)
        return _Outcome("complete", failed=False)

    def _failed(
        self,
        item: Claimed,
        reason: str,
        requested: float | None,
        exception: Exception | None = None,
    ) -> _Outcome:
        failures = item.attempts + 1
        if failures >= self.max_attempts:
            reason = f"gave up after {failures} attempts: {reason}"
            return _Outcome("bury", reason, exception=exception)
        delay = self.backoff.delay(failures, requested=requested)
        return _Outcome("retry", reason, delay, exception=exception)

    def _settle_later_ones(self) -> None:
        """Settle what could not be settled before; what still fails waits for the next try."""
        with self._lock:
            pending, self._unsettled = self._unsettled, []
        for item, outcome in pending:
            self._settle(item, outcome, again=True)

    def _settle(self, item: Claimed, outcome: _Outcome, *, again: bool = False) -> None:
        now = self._clock()
        try:
            with relaxed_durability(), self._sessions.begin() as session:
                if outcome.kind == "complete":
                    held = inbox.complete(session, item, now=now)
                elif outcome.kind == "retry":
                    held = inbox.retry(
                        session, item, now=now, after=outcome.after, error=outcome.error
                    )
                else:
                    held = inbox.bury(
                        session, item, now=now, error=outcome.error, attempt_failed=outcome.failed
                    )
        except Exception:
            with self._lock:
                self._unsettled.append((item, outcome))
            if not again:
                logger.exception(
                    "inbox settle failed item=%d outcome=%s: settled at the next claim, "
                    "or run again once its lease runs out",
                    item.id,
                    outcome.kind,
                )
            return
        self._log(item, outcome, held)
        if held and outcome.kind == "bury" and self._on_dead is not None:
            try:
                self._on_dead(item, outcome.error)
            except Exception:
                logger.exception("inbox dead letter not told item=%d", item.id)

    def _log(self, item: Claimed, outcome: _Outcome, held: bool) -> None:
        where = f"item={item.id} source={item.source} delivery={item.delivery_key}"
        what = f"handler={item.handler} attempts={item.attempts + outcome.failed}"
        if not held:
            logger.warning(
                "inbox claim lost %s worker=%s outcome=%s: taken over, it runs there",
                where,
                self.worker_name,
                outcome.kind,
            )
        elif outcome.kind == "retry":
            logger.warning(
                "inbox retry %s %s after=%.1fs error=%s",
                where,
                what,
                outcome.after,
                outcome.error,
                exc_info=outcome.exception,
            )
        elif outcome.kind == "bury":
            logger.error(
                "inbox dead letter %s %s error=%s",
                where,
                what,
                outcome.error,
                exc_info=outcome.exception,
            )


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:200]
