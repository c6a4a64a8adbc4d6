"""`GroupCommit`: the writes of many concurrent requests committed in one transaction.

Every request the bot acknowledges is written down first, so each acknowledgement waits
for a commit. Fifty requests at once, each with a transaction of its own, queue for the
database's one writer (SQLite) or for the pool's connections (PostgreSQL), one commit
after another. Here they share: a request hands its write (a function of a `Session`)
to `run`, which blocks until that write is committed, and returns what the write returned.

Leader and followers, no thread of its own: the first caller that finds no commit under
way takes every write waiting, runs them in one transaction, commits, and wakes the
callers it carried; meanwhile new callers queue for the next batch, which one
of them leads (on PostgreSQL up to POSTGRES_LEADERS batches run at once). So a write
waits for at most the commit in progress and its own, and the acknowledgement still
leaves only after its write is durable.

What one write raises is raised to its caller only (the batch is run again with a
SAVEPOINT around each write; the failed one's is rolled back, the rest commit); what the transaction raises (the database is away, read-only,
full; the commit failed) is raised to every caller of the batch, which answer 503.
A write must not call `run` itself: it would wait for the batch it is in.

Lock order: a write that records an item of an `order_key` takes that key's lock
(`storage.repositories.inbox.add`). Two batches in flight at once (PostgreSQL) taking
their keys in arrival order could each wait for the other, a deadlock PostgreSQL breaks by
failing one batch (its requests answered 503). So a write names its key (`run(write,
order_key=…)`) and the batch takes every key it carries first, in sorted order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox.statements import bound_statements
from storage.repositories import inbox

T = TypeVar("T")
Write = Callable[[Session], Any]
# The largest batch one commit carries: a bound on how long its transaction holds the lock.
MAX_BATCH = 256
# Batches in flight at once on PostgreSQL, each on a connection of its own: a batch's
# statements are round trips, one after another, so one leader alone caps the rate
# near 150 writes/s on a loaded 2-core machine. SQLite has one writer: one batch.
POSTGRES_LEADERS = 4


@dataclass(eq=False)
class _Ticket:
    write: Write
    order_key: str | None = None
    taken: bool = False  # in a batch being committed
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """See the module docstring; `batches` and `writes` count what it committed."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_batch: int = MAX_BATCH,
        leaders: int | None = None,
    ) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._leaders = leaders or _leaders_for(sessions)
        self._turn = threading.Condition()
        self._waiting: list[_Ticket] = []
        self._committing = 0  # batches in flight
        self.batches = 0
        self.writes = 0

    def run(self, write: Callable[[Session], T], *, order_key: str | None = None) -> T:
        """Run `write` in the next batch's transaction; its result once committed.
        `order_key`: the inbox order key whose lock the write takes (see Lock order)."""
        ticket = _Ticket(write, order_key)
        with self._turn:
            self._waiting.append(ticket)
        while True:
            with self._turn:
                while not ticket.done and (ticket.taken or self._committing >= self._leaders):
                    self._turn.wait()
                if ticket.done:
                    break
                batch = self._waiting[: self._max_batch]  # the oldest first, so in time ours
                del self._waiting[: self._max_batch]
                for taken in batch:
                    taken.taken = True
                self._committing += 1
            self._lead(batch)
        if ticket.error is not None:
            raise ticket.error
        return ticket.result  # type: ignore[no-any-return]

    def _lead(self, batch: list[_Ticket]) -> None:
        try:
            self._commit(batch)
        except BaseException as error:
            for ticket in batch:
                ticket.error = error
        finally:
            with self._turn:
                for ticket in batch:
                    ticket.done = True
                self._committing -= 1
                self.batches += 1
                self.writes += len(batch)
                self._turn.notify_all()

    def _commit(self, batch: list[_Ticket]) -> None:
        """Every write straight in the transaction; if one raises, the batch again, with a
        SAVEPOINT a write (a savepoint each costs more than the write it guards)."""
        try:
            with self._sessions.begin() as session:
                _begin(session, batch)
                for ticket in batch:
                    ticket.result = ticket.write(session)
            return
        except DBAPIError as error:
            if len(batch) == 1 or _database_failed(error):
                raise  # the same for every write of the batch
        except Exception:
            if len(batch) == 1:
                raise
        with self._sessions.begin() as session:
            _begin(session, batch)
            for ticket in batch:
                _run_one(session, ticket)


def _begin(session: Session, batch: list[_Ticket]) -> None:
    bound_statements(session)
    inbox.hold_order_keys(session, {t.order_key for t in batch if t.order_key is not None})


def _leaders_for(sessions: sessionmaker[Session]) -> int:
    bind = sessions.kw.get("bind")
    dialect = getattr(getattr(bind, "dialect", None), "name", None)
    return POSTGRES_LEADERS if dialect == "postgresql" else 1


def _database_failed(error: DBAPIError) -> bool:
    """The database, not one write: unreachable, read-only, full, locked, timed out."""
    return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)


def _run_one(session: Session, ticket: _Ticket) -> None:
    """One write in its own SAVEPOINT: what it raises undoes only its own statements."""
    ticket.result, ticket.error = None, None
    try:
        with session.begin_nested():
            ticket.result = ticket.write(session)
    except Exception as error:
        ticket.error = error
