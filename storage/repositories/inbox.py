"""The inbox: requests answered 2xx, kept until processed. Functions never commit.

An item is recorded (`add`) in the transaction that precedes the answer to
the sender; `(source, delivery_key)` is unique, so a re-delivery adds nothing
and `add` says False. A worker then processes it at least once:

    pending ──claim_next──▶ claimed ──complete──▶ done
       ▲                      │  │
       └──retry (backoff)─────┘  └──bury──▶ dead ──requeue──▶ pending
       └──release / reclaim / lease ran out

Claim semantics (`claim_next`):

* Due: a `pending` item whose `available_at` ≤ now, or a `claimed` item whose
  `lease_until` < now: its holder stopped renewing (it died), so it is taken
  over, and that counts as a failed attempt.
* In order: an item with an `order_key` is claimable only when no item of the
  same key with a smaller id is still `pending` or `claimed` (a retry waiting
  out its backoff holds back those after it), and no other item of the key is
  held under a live lease. So one thread's items run one at a time, in id
  order; items of other keys, and items without a key, run alongside.
* Arrival order is id order: on PostgreSQL `add` takes a transaction-scoped
  advisory lock on the order key, so two inserts of one key commit in the
  order they drew their ids; SQLite has a single writer anyway.
* Exclusive: on PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`,
  so concurrent claimers (threads or replicas) take disjoint items without
  waiting on each other; on SQLite `BEGIN IMMEDIATE` (see `storage.db`) makes
  each claim transaction the only writer.
* Fenced: a claim is `(claimed_by, attempts)`; `renew`, `complete`, `retry`
  and `bury` act only while the row still carries the caller's claim, and
  return False when it was taken over meanwhile (the taker runs it again:
  handlers must be idempotent).

`release` gives a worker's claims back at once without counting an attempt
(graceful stop); `reclaim` does the same for the claims a previous process of
the same worker name left behind, counting one (restart after a crash).

`counts` and `oldest_pending_age` serve /healthz; `list_dead`, `requeue` and
`drop` the operator; `prune` deletes done items (a delivery key is forgotten
with its row, so prune only what no sender retries any more).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.dml import Insert, ReturningUpdate

from storage.db import changed_rows
from storage.models import InboxItem
from storage.upsert import insert_ignoring_conflicts

PENDING, CLAIMED, DONE, DEAD = "pending", "claimed", "done", "dead"
INBOX = cast(Table, InboxItem.__table__)
ADDED_COLUMNS = (
    "source", "kind", "delivery_key", "team_id", "handler", "order_key", "payload",
    "headers", "received_at", "available_at", "status", "attempts",
)  # fmt: skip
# What a claimer holds of an item (`Claimed`), as the claim returns it.
CLAIMED_COLUMNS = tuple(
    INBOX.c[name]
    for name in (
        "id", "source", "kind", "delivery_key", "team_id", "handler", "order_key", "payload",
        "headers", "received_at", "attempts", "claimed_by", "lease_until", "last_error",
    )
)  # fmt: skip
STATUSES = (PENDING, CLAIMED, DONE, DEAD)
ERROR_LENGTH = 500


@dataclass(frozen=True)
class Claimed:
    """An item as its claimer holds it: what to run, and the claim that fences it."""

    id: int
    source: str
    kind: str
    delivery_key: str
    team_id: str | None
    handler: str
    order_key: str | None
    payload: str
    headers: Mapping[str, str]
    received_at: datetime
    attempts: int
    worker: str
    lease_until: datetime
    last_error: str | None


def hold_order_keys(session: Session, order_keys: Collection[str]) -> None:
    """Take the keys' locks until the transaction ends, in sorted order, so transactions
    taking several never wait for each other in a circle. Taking one again is free (the
    locks are the session's). SQLite has a single writer: nothing to take."""
    if not order_keys or session.get_bind().dialect.name != "postgresql":
        return
    # One round trip for the batch's keys, not one each: unnest yields them in the
    # array's order, so they are taken in sorted order still.
    session.execute(_TAKE_ORDER_LOCKS, {"keys": sorted(order_keys)})


_TAKE_ORDER_LOCKS = text(
    "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))"
    " FROM unnest(CAST(:keys AS text[])) AS k"
)


def add(
    session: Session,
    *,
    source: str,
    kind: str,
    delivery_key: str,
    handler: str,
    payload: str,
    headers: Mapping[str, str] | None = None,
    team_id: str | None = None,
    order_key: str | None = None,
    now: datetime,
    available_at: datetime | None = None,
) -> bool:
    """Record a delivery to process (not before `available_at`, by default at once);
    False when `(source, delivery_key)` was seen (a retry)."""
    if order_key is not None:
        hold_order_keys(session, {order_key})
    values = {
        "source": source,
        "kind": kind,
        "delivery_key": delivery_key,
        "team_id": team_id,
        "handler": handler,
        "order_key": order_key,
        "payload": payload,
        "headers": json.dumps(dict(headers or {}), sort_keys=True),
        "received_at": now,
        "available_at": available_at or now,
        "status": PENDING,
        "attempts": 0,
    }
    added = session.execute(_insert(session), {f"new_{k}": v for k, v in values.items()})
    return added.scalar_one_or_none() is not None


_INSERTS: dict[str, Insert] = {}  # `add`'s statement, built once a dialect


def _insert(session: Session) -> Insert:
    """`add`'s INSERT, its values bound at each run: building it (thirteen ORM values,
    the conflict clause) took a third of the CPU of a start's acknowledgement."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        names = ADDED_COLUMNS
        values = {n: bindparam(f"new_{n}", type_=INBOX.c[n].type) for n in names}
        table: Any = INBOX  # the core table (typed `type`, takes what `insert()` takes)
        statement = insert_ignoring_conflicts(
            session, table, index_elements=("source", "delivery_key"), **values
        )
        _INSERTS[dialect] = statement.returning(INBOX.c.id)
    return _INSERTS[dialect]


def claim_next(
    session: Session, *, worker: str, now: datetime, lease_seconds: float, limit: int = 1
) -> list[Claimed]:
    """Claim up to `limit` due items for `worker`, oldest first (see the module docstring)."""
    ids = list(session.scalars(_candidates(), {"now": now, "limit": limit}))
    if not ids:
        return []
    until = now + timedelta(seconds=lease_seconds)
    rows = session.execute(_take(), {"ids": ids, "worker": worker, "until": until})
    return sorted((_claimed(row) for row in rows), key=lambda item: item.id)


# The worker's statements are built once, their values bound at each run: building the
# claim's (two correlated subqueries) took about as much CPU as running it on SQLite.
# Core statements on the table, so the ORM's bulk-update machinery is skipped as well.
@cache
def _candidates() -> Select[int]:
    now = bindparam("now", type_=INBOX.c.available_at.type)
    return (
        select(InboxItem.id)
        .where(_due(now), _first_of_its_key(now))
        .order_by(InboxItem.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )


@cache
def _take() -> ReturningUpdate[Any]:
    taken_over = INBOX.c.status == CLAIMED
    return (
        update(INBOX)
        .where(INBOX.c.id.in_(bindparam("ids", expanding=True)))
        .values(
            status=CLAIMED,
            claimed_by=bindparam("worker", type_=INBOX.c.claimed_by.type),
            lease_until=bindparam("until", type_=INBOX.c.lease_until.type),
            attempts=INBOX.c.attempts + case((taken_over, 1), else_=0),
            last_error=case(
                (taken_over, literal("lease ran out under ") + INBOX.c.claimed_by),
                else_=INBOX.c.last_error,
            ),
        )
        .returning(*CLAIMED_COLUMNS)
    )


def _due(now: ColumnElement[datetime]) -> ColumnElement[bool]:
    return or_(
        and_(InboxItem.status == PENDING, InboxItem.available_at <= now),
        and_(InboxItem.status == CLAIMED, InboxItem.lease_until < now),
    )


def _first_of_its_key(now: ColumnElement[datetime]) -> ColumnElement[bool]:
    """No earlier item of the same order key is open, and no other one is held.

    Two NOT EXISTS, not one with an OR inside: each is then a search of the index
    `(order_key, status, id)` among the key's open items only. With the OR, SQLite and
    PostgreSQL read every earlier item of the key, the done ones kept for a week too,
    for each candidate: a claim cost 8 ms of CPU with 5,000 done items over 20 keys and
    52 ms with 20,000 (bench/cpu_cost.py; 2.7 ms with none)."""
    earlier, held = aliased(InboxItem), aliased(InboxItem)
    earlier_open = select(earlier.id).where(
        earlier.order_key == InboxItem.order_key,
        earlier.status.in_((PENDING, CLAIMED)),
        earlier.id < InboxItem.id,
    )
    other_held = select(held.id).where(
        held.order_key == InboxItem.order_key,
        held.status == CLAIMED,
        held.id != InboxItem.id,
        held.lease_until >= now,
    )
    return or_(InboxItem.order_key.is_(None), and_(~earlier_open.exists(), ~other_held.exists()))


def _claimed(row: Row[Any]) -> Claimed:
    assert row.claimed_by is not None and row.lease_until is not None
    return Claimed(
        id=row.id,
        source=row.source,
        kind=row.kind,
        delivery_key=row.delivery_key,
        team_id=row.team_id,
        handler=row.handler,
        order_key=row.order_key,
        payload=row.payload,
        headers=json.loads(row.headers or "{}"),
        received_at=row.received_at,
        attempts=row.attempts,
        worker=row.claimed_by,
        lease_until=row.lease_until,
        last_error=row.last_error,
    )


def _held(item: Claimed) -> ColumnElement[bool]:
    return and_(
        InboxItem.id == item.id,
        InboxItem.status == CLAIMED,
        InboxItem.claimed_by == item.worker,
        InboxItem.attempts == item.attempts,
    )


def _settle(session: Session, item: Claimed, **values: object) -> bool:
    statement = (
        update(InboxItem)
        .where(_held(item))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, statement) > 0


@cache
def _complete() -> Update:
    """`complete`'s statement (the one settle of every item), built once like the claim's."""
    return (
        update(INBOX)
        .where(
            INBOX.c.id == bindparam("item", type_=Integer),
            INBOX.c.status == CLAIMED,
            INBOX.c.claimed_by == bindparam("worker", type_=INBOX.c.claimed_by.type),
            INBOX.c.attempts == bindparam("claimed_attempts", type_=Integer),
        )
        .values(status=DONE, done_at=bindparam("now", type_=INBOX.c.done_at.type), lease_until=None)
    )


def renew(
    session: Session, items: Sequence[Claimed], *, now: datetime, lease_seconds: float
) -> set[int]:
    """Extend the leases of `items`; the ids still held (the others were taken over)."""
    until = now + timedelta(seconds=lease_seconds)
    return {item.id for item in items if _settle(session, item, lease_until=until)}


def complete(session: Session, item: Claimed, *, now: datetime) -> bool:
    held = {"item": item.id, "worker": item.worker, "claimed_attempts": item.attempts}
    return changed_rows(session, _complete(), {**held, "now": now}) > 0


def retry(session: Session, item: Claimed, *, now: datetime, after: float, error: str) -> bool:
    """Back to pending, due `after` seconds from now, one more failed attempt counted."""
    return _settle(
        session,
        item,
        status=PENDING,
        available_at=now + timedelta(seconds=max(after, 0.0)),
        attempts=InboxItem.attempts + 1,
        claimed_by=None,
        lease_until=None,
        last_error=_bounded(error),
    )


def bury(
    session: Session, item: Claimed, *, now: datetime, error: str, attempt_failed: bool = True
) -> bool:
    """Dead letter: kept for the operator, never claimed again unless requeued.

    `attempt_failed` counts the run that ended here; False when the item is
    buried unrun (its attempts were used up by leases that ran out)."""
    return _settle(
        session,
        item,
        status=DEAD,
        done_at=now,
        attempts=InboxItem.attempts + (1 if attempt_failed else 0),
        lease_until=None,
        last_error=_bounded(error),
    )


def release(session: Session, *, worker: str, now: datetime) -> int:
    """Give back every claim of `worker`, due at once, no attempt counted (graceful stop)."""
    return _give_back(session, worker, now, failed=False)


def reclaim(session: Session, *, worker: str, now: datetime) -> int:
    """Give back the claims a previous process named `worker` died with, counting a failure."""
    return _give_back(session, worker, now, failed=True)


def _give_back(session: Session, worker: str, now: datetime, *, failed: bool) -> int:
    values: dict[str, object] = {
        "status": PENDING,
        "available_at": now,
        "claimed_by": None,
        "lease_until": None,
    }
    if failed:
        values.update(attempts=InboxItem.attempts + 1, last_error=f"{worker} restarted")
    statement = (
        update(InboxItem)
        .where(InboxItem.status == CLAIMED, InboxItem.claimed_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, statement)


def counts(session: Session) -> dict[str, int]:
    """Items per status, every status present."""
    query = select(InboxItem.status, func.count()).group_by(InboxItem.status)
    found = {status: count for status, count in session.execute(query)}
    return {status: found.get(status, 0) for status in STATUSES}


def oldest_pending_age(session: Session, *, now: datetime) -> timedelta | None:
    """How long the oldest item not yet done has waited since it arrived; None when none."""
    query = select(InboxItem.received_at).where(InboxItem.status.in_((PENDING, CLAIMED)))
    oldest = session.scalar(query.order_by(InboxItem.received_at).limit(1))
    return None if oldest is None else now - oldest


def get(session: Session, item_id: int) -> InboxItem | None:
    return session.get(InboxItem, item_id)


def list_dead(session: Session, *, limit: int = 100) -> list[InboxItem]:
    query = select(InboxItem).where(InboxItem.status == DEAD).order_by(InboxItem.id).limit(limit)
    return list(session.scalars(query))


def requeue(session: Session, item_id: int, *, now: datetime) -> bool:
    """A dead letter back to pending with a fresh set of attempts; False unless it was dead."""
    statement = (
        update(InboxItem)
        .where(InboxItem.id == item_id, InboxItem.status == DEAD)
        .values(status=PENDING, attempts=0, available_at=now, done_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, statement) > 0


def drop(session: Session, item_id: int) -> bool:
    """Delete a dead letter for good; False unless it was dead."""
    statement = delete(InboxItem).where(InboxItem.id == item_id, InboxItem.status == DEAD)
    return changed_rows(session, statement.execution_options(synchronize_session=False)) > 0


def prune(session: Session, *, done_before: datetime) -> int:
    """Delete items done before `done_before`; their delivery keys are forgotten with them."""
    statement = delete(InboxItem).where(InboxItem.status == DONE, InboxItem.done_at < done_before)
    return changed_rows(session, statement.execution_options(synchronize_session=False))


def _bounded(error: str) -> str:
    return error if len(error) <= ERROR_LENGTH else error[: ERROR_LENGTH - 1] + "…"
