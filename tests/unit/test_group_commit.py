"""Fifty acks at once share their commits, on SQLite and PostgreSQL (bot.inbox.group_commit).

Each request records its inbox item through the one `GroupCommit`, as the Slack
acks do; what a request is told (recorded, a retry, its error) is its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox.group_commit import GroupCommit, _Ticket
from storage.db import make_engine, make_sessionmaker
from storage.models import InboxItem
from tests.inbox_seed import record_in

REQUESTS = 50


def _keys(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(InboxItem.delivery_key)))


def _all_at_once(writes: list[Callable[[Session], Any]], commits: GroupCommit) -> list[Any]:
    """Every write from a thread of its own, released together; each one's result or error."""
    gate = threading.Barrier(len(writes))

    def one(write: Callable[[Session], Any]) -> Any:
        gate.wait(timeout=30)
        try:
            return commits.run(write)
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=len(writes)) as pool:
        return list(pool.map(one, writes))


def _recording(key: str) -> Callable[[Session], bool]:
    return lambda session: record_in(session, key)


def test_fifty_concurrent_records_are_all_kept_in_fewer_commits(
    sessions: sessionmaker[Session],
) -> None:
    commits = GroupCommit(sessions)
    keys = [f"Ev{n:03d}" for n in range(REQUESTS)]

    results = _all_at_once([_recording(key) for key in keys], commits)

    assert results == [True] * REQUESTS
    assert _keys(sessions) == keys
    assert commits.writes == REQUESTS
    assert commits.batches < REQUESTS, "the waiting requests shared a commit"


def test_a_retried_delivery_is_told_so_and_the_others_are_kept(
    sessions: sessionmaker[Session],
) -> None:
    commits = GroupCommit(sessions)
    commits.run(_recording("Ev-first"))

    results = _all_at_once([_recording("Ev-first"), _recording("Ev-new")], commits)

    assert results == [False, True]
    assert _keys(sessions) == ["Ev-first", "Ev-new"]


def test_a_write_that_fails_fails_alone(sessions: sessionmaker[Session]) -> None:
    commits = GroupCommit(sessions)

    def broken(session: Session) -> bool:
        record_in(session, "Ev-broken")
        raise ValueError("this request's own mistake")

    writes = [_recording(f"Ev{n:03d}") for n in range(10)]
    writes.insert(5, broken)
    results = _all_at_once(writes, commits)

    assert isinstance(results[5], ValueError)
    assert results[:5] + results[6:] == [True] * 10
    assert "Ev-broken" not in _keys(sessions), "the failed write left nothing behind"
    assert len(_keys(sessions)) == 10


def test_a_database_that_takes_nothing_fails_every_waiting_request(tmp_path: Any) -> None:
    missing = make_sessionmaker(make_engine(f"sqlite:///{tmp_path}/no/such/folder/bot.db"))
    commits = GroupCommit(missing)

    results = _all_at_once([_recording(f"Ev{n}") for n in range(5)], commits)

    assert all(isinstance(result, OperationalError) for result in results), results


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_write_that_asks_for_more_than_one_batch_still_gets_its_own(
    sessions: sessionmaker[Session],
) -> None:
    commits = GroupCommit(sessions, max_batch=3)
    keys = [f"Ev{n:03d}" for n in range(20)]

    results = _all_at_once([_recording(key) for key in keys], commits)

    assert results == [True] * 20
    assert _keys(sessions) == keys


def test_two_replicas_batches_with_one_threads_keys_in_opposite_orders_both_commit(
    sessions: sessionmaker[Session],
) -> None:
    """Replica 1 commits thread A's record then thread B's, replica 2 B's then A's, at once.
    Each batch first takes its keys in sorted order, so neither waits on the other in a
    circle (taken in arrival order, PostgreSQL broke that deadlock by failing a batch, whose
    requests were answered 503)."""

    def slow_record(key: str, order_key: str) -> _Ticket:
        def write(session: Session) -> bool:
            kept = record_in(session, key, order_key=order_key)
            threading.Event().wait(0.3)  # the other batch takes its first key meanwhile
            return kept

        return _Ticket(write, order_key)

    one = [slow_record("Ev1-A", "thread-A"), slow_record("Ev1-B", "thread-B")]
    other = [slow_record("Ev2-B", "thread-B"), slow_record("Ev2-A", "thread-A")]
    replicas = [GroupCommit(sessions), GroupCommit(sessions)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = [
            pool.submit(r._lead, batch) for r, batch in zip(replicas, [one, other], strict=True)
        ]
        for future in done:
            future.result(timeout=30)

    assert [(t.result, t.error) for t in one + other] == [(True, None)] * 4
    assert _keys(sessions) == ["Ev1-A", "Ev1-B", "Ev2-A", "Ev2-B"]
