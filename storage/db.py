"""Engine and session factory. The caller owns each transaction."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Delete, Engine, Update, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import Unavailable

# A server that does not answer stops start-up in seconds, not in the OS's minutes.
CONNECT_TIMEOUT_SECONDS = 5
# How long a SQLite writer waits for the write lock, in this process and then in the file.
SQLITE_BUSY_SECONDS = 30
# Set by `relaxed_durability` for the transactions its thread begins.
_RELAXED: ContextVar[bool] = ContextVar("sqlite_relaxed_durability", default=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`, with SQLite set up for a multi-threaded server."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if "connect_timeout" not in parsed.query and "connect_args" not in kwargs:
            kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
        if parsed.get_driver_name() == "psycopg":
            event.listen(engine, "connect", _plan_each_statement)
        return engine
    connect_args = {
        "timeout": SQLITE_BUSY_SECONDS,
        "check_same_thread": False,
        "factory": _taking_turns(threading.Lock()),
    }
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _plan_each_statement(dbapi_connection: Any, _record: Any) -> None:
    # psycopg prepares a statement server-side after its 5th use, and PostgreSQL then
    # keeps one generic plan for it, costed for no parameter value in particular against
    # the table's statistics of that moment, until an ANALYZE or DDL replans it. A
    # backfill grows one post-mortem's rows from nothing to 100k: the page lookup
    # (`source_key IN` 999 keys) got a plan made while the table was nearly empty that
    # scans all the post-mortem's rows through the index prefix and filters them
    # against the 999 keys, 0.2 s at 8k rows and 1.9 s at 100k, against 7-30 ms as
    # an unnamed statement planned with its values (bench/harvest.py: 135 s for 100k
    # messages). ANALYZE after bulk inserts would need table ownership, cost a sample
    # per page, and cover only the writers that remember it; reshaping one query
    # leaves every other one exposed. Planning costs ~0.2 ms a statement, little at
    # this bot's query rate, SQLAlchemy's expanded IN lists make each list length a
    # statement of its own anyway, and PgBouncer before 1.21 in transaction mode needs it off.
    dbapi_connection.prepare_threshold = None


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite starts transactions lazily, at the first DML: a SAVEPOINT before
    # it runs in autocommit mode and its RELEASE commits for good. Take the
    # transaction handling away from the driver and BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while the one writer commits; foreign keys are off
    # by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def relaxed_durability() -> Iterator[None]:
    """The transactions this thread begins inside commit, on SQLite, without waiting for
    the disk (WAL with `synchronous=NORMAL`). Still atomic, and kept when the process
    dies; only power lost in the moments after the commit may undo it, and then only it
    and later such commits (WAL is written in order: the next ordinary commit's flush
    makes them durable too). For bookkeeping that is redone if undone: the inbox
    worker's claims and settles (an undone settle runs its item again, and handlers are
    idempotent). Every other transaction waits for the disk, as a record made before
    an ack must: on this machine that wait is 1.3 ms a commit against 0.02 ms, and the
    engine's one writer holds its turn through it."""
    token = _RELAXED.set(True)
    try:
        yield
    finally:
        _RELAXED.reset(token)


def _begin_sqlite(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so two writers queue on the busy
    # timeout instead of the later one failing when it upgrades a read snapshot.
    # The engine's writers first take their turn in this process (_taking_turns).
    turns = connection.connection.dbapi_connection
    if isinstance(turns, _TakingTurns):
        turns.wait_for_disk(not _RELAXED.get())  # outside a transaction: SQLite's rule
        turns.take_turn()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(turns, _TakingTurns):
            turns.give_turn()
        raise


class _TakingTurns(sqlite3.Connection):
    """A SQLite connection whose transactions take turns with the engine's other ones.

    SQLite's busy handler makes a writer that finds the file locked sleep and retry,
    sleeping longer each time (up to 100 ms a try), and whoever tries at the right
    moment wins: under 50 concurrent requests some waited a second and more for a lock
    held a millisecond at a time. So the engine's writers queue on a lock of their own
    first, held from BEGIN to COMMIT or ROLLBACK, and are woken as soon as it is free;
    the busy handler is left to arbitrate with other processes only. A writer that
    waits SQLITE_BUSY_SECONDS for its turn goes on to the file's lock anyway."""

    _turn: threading.Lock
    holding = False
    relaxed = False  # synchronous=NORMAL now (WAL's default, FULL, until set)

    def wait_for_disk(self, wait: bool) -> None:
        """Commit with (FULL) or without (NORMAL) waiting for the disk from now on."""
        if self.relaxed == wait:
            self.execute("PRAGMA synchronous=" + ("FULL" if wait else "NORMAL"))
            self.relaxed = not wait

    def take_turn(self) -> None:
        self.holding = self._turn.acquire(timeout=SQLITE_BUSY_SECONDS)

    def give_turn(self) -> None:
        if self.holding:
            self.holding = False
            self._turn.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_turn()


def _taking_turns(turn: threading.Lock) -> type[_TakingTurns]:
    """The connection class of one engine: its connections share `turn`."""
    return type("TakingTurns", (_TakingTurns,), {"_turn": turn})


def changed_rows(
    session: Session, statement: Update | Delete, values: Mapping[str, Any] | None = None
) -> int:
    """How many rows an UPDATE or DELETE changed (`Session.execute` is typed as a plain
    Result; for DML it is a CursorResult, which has the count); `values` binds the
    statement's parameters (a statement built once)."""
    return cast(CursorResult[Any], session.execute(statement, values)).rowcount or 0


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def check_connection(engine: Engine) -> None:
    """Connect once: a database that cannot be reached is one Unavailable that says what to do."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        shown = engine.url.render_as_string(hide_password=True)
        advice = (
            "check DATABASE_URL and that its folder exists and is writable"
            if engine.url.get_backend_name() == "sqlite"
            else "check DATABASE_URL and that the database server is running and reachable"
        )
        reason = _connect_failure(error)
        raise Unavailable(
            f"cannot connect to the database at {shown} ({reason}): {advice}"
        ) from None


def _connect_failure(error: OperationalError) -> str:
    """The driver's reason on one line, without its `connection to server ... failed:` preamble."""
    lines = str(error.orig).strip().splitlines() or [type(error.orig).__name__]
    reason = lines[0].rsplit(" failed: ", 1)[-1]
    return re.sub(r"^FATAL:\s*|\[Errno -?\d+\]\s*", "", reason).strip()


def missing_sqlite_file(url: URL) -> Path | None:
    """The SQLite file `url` names when it does not exist yet (connecting would create it)."""
    if url.get_backend_name() != "sqlite" or url.query.get("uri"):
        return None
    if not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return None if path.exists() else path
