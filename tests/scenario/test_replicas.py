"""Two replicas, one inbox (issue 11): two real `serve` processes on one PostgreSQL database,
each with its own WORKER_NAME and port, in front of one sandbox Slack.

Slack delivers to either replica (a load balancer's choice): the commands, in four
incident channels (one channel's commands run one at a time, so four can run at once),
and channel messages are split across both ports, sent eight at a time. A request
answered 503 is sent again, as Slack retries an event and a person types a command
again after Slack's failure notice (two replicas' group commits can deadlock on the
inbox's per-channel locks; PostgreSQL then refuses one batch, which is answered 503).
Every one must take effect exactly once, each inbox item be carried out by one replica,
once (no attempt counted, no claim lost), and both replicas share the work. Then one
replica is killed (-9) while it holds claims: the other takes them over once their
lease runs out (INBOX_LEASE_SECONDS, shortened here from its 60 s default) and carries
them out once.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox, payloads
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import InboxItem, TimelineEvent

CHANNELS = ("C0REPLICA1", "C0REPLICA2", "C0REPLICA3", "C0REPLICA4")
ALICE, BOB = "U0ALICE", "U0BOB"
# Met for the first time after the first part: each one's timezone is asked of Slack.
# One a channel, so their four commands are claimed at once, two by each replica.
NEWCOMERS = ("U0NEW1", "U0NEW2", "U0NEW3", "U0NEW4")
COMMANDS, MESSAGES = 200, 100
WORKERS = 2  # inbox threads per replica
LEASE_SECONDS = 8
NAMES = ("replica-a", "replica-b")
HELD = "users.info"  # `/postmortem event` reads its author's timezone before it writes
WAIT = 120.0
RESENDS = 4  # Slack retries an event three times


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_window_seconds=1.0) as sandbox:
        people = (ALICE, BOB, *NEWCOMERS)
        for user in people:
            sandbox.slack.add_user(user, user[3:].lower(), tz="Europe/Berlin")
        for n, channel in enumerate(CHANNELS):
            sandbox.slack.add_channel(channel, f"inc-two-replicas-{n}", members=people)
        yield sandbox


@pytest.fixture
def replicas(sandbox: Sandbox, database_url: str) -> Iterator[list[BotProcess]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database")
    settings = {"INBOX_WORKERS": str(WORKERS), "INBOX_LEASE_SECONDS": str(LEASE_SECONDS)}
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                running_bot(
                    sandbox, database_url=database_url, extra_env={**settings, "WORKER_NAME": name}
                )
            )
            for name in NAMES
        ]


@pytest.fixture
def db(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _drivers(sandbox: Sandbox, replicas: list[BotProcess]) -> list[Driver]:
    return [Driver(bot.url, bot.signing_secret, sandbox, bot.pagerduty_secret) for bot in replicas]


def _line(i: int) -> str:
    return f"yesterday {10 + i // 60:02d}:{i % 60:02d} replica step {i}"


def _command(driver: Driver, user: str, i: int) -> int:
    channel = CHANNELS[i % len(CHANNELS)]
    return driver.slash_command(user, channel, f"event {_line(i)}").status_code


def _message(sandbox: Sandbox, driver: Driver, i: int) -> int:
    """A channel message with an event id of its own (two drivers would count alike),
    delivered again after a 503 as Slack does (same id, a retry number); the 503s it got."""
    channel = CHANNELS[i % len(CHANNELS)]
    message = sandbox.slack.post_as_user(channel, BOB, f"checkout error rate {i}%")
    with sandbox.slack.lock:
        event = payloads.message_event(sandbox.slack, channel, message)
    return _until_taken(
        lambda retry: (
            driver.deliver_event(
                event, event_id=f"Ev0REPLICA{i:06d}", retry_num=retry or None
            ).status_code
        )
    )


def _typed(driver: Driver, user: str, i: int) -> int:
    """A command, typed again after Slack showed the person its failure notice (a 503);
    the 503s it got."""
    return _until_taken(lambda _: _command(driver, user, i))


def _until_taken(send: Callable[[int], int]) -> int:
    """`send(attempt)` until answered 200; how many 503s came first (each one of them
    taken by neither replica, or the line would be in the timeline twice)."""
    for refused in range(RESENDS):
        status = send(refused)
        if status == 200:
            return refused
        assert status == 503, status
        time.sleep(0.2)
    raise AssertionError(f"still refused after {RESENDS} tries")


def _open_postmortems(sandbox: Sandbox, drivers: list[Driver]) -> None:
    for n, channel in enumerate(CHANNELS):
        started = drivers[n % 2].slash_command(ALICE, channel, "start Two replicas")
        assert started.status_code == 200

    def opened() -> bool:
        return all(
            any(m.get("bot_id") for m in sandbox.slack.messages(channel)) for channel in CHANNELS
        )

    sandbox.wait_for(opened, timeout=WAIT)


def _settled(db: sessionmaker[Session]) -> bool:
    with db() as session:
        open_items = select(func.count()).where(InboxItem.status.in_(("pending", "claimed")))
        return session.scalar(open_items) == 0


def _lines(db: sessionmaker[Session]) -> Counter[str]:
    with db() as session:
        query = select(TimelineEvent.text).where(TimelineEvent.source == "manual")
        return Counter(session.scalars(query))


def _answered(sandbox: Sandbox, text: str) -> int:
    """Responses to the command typed as `text` that say it was added."""
    return sum(
        1
        for response in sandbox.slack.responses
        if response.get("text") == text and "Added to the timeline" in response["body"]["text"]
    )


def _warnings(replicas: list[BotProcess]) -> str:
    """What the replicas logged above info (and tracebacks), to show with -s."""
    return "\n".join(
        line for bot in replicas for line in bot.log().splitlines() if '"level": "info"' not in line
    )[-6000:]


def _command_items(db: sessionmaker[Session]) -> list[InboxItem]:
    with db() as session:
        query = select(InboxItem).where(InboxItem.kind == "command").order_by(InboxItem.id)
        return list(session.scalars(query))


def test_two_replicas_drain_one_inbox_each_item_once_and_a_dead_ones_claims_are_taken_over(
    sandbox: Sandbox, replicas: list[BotProcess], db: sessionmaker[Session]
) -> None:
    drivers = _drivers(sandbox, replicas)
    _open_postmortems(sandbox, drivers)

    def send(i: int) -> int:
        driver = drivers[(i // len(CHANNELS)) % 2]
        refused = _typed(driver, ALICE if i % 3 else BOB, i)
        if i < MESSAGES:
            refused += _message(sandbox, drivers[(i + 1) % 2], i)
        return refused

    with ThreadPoolExecutor(max_workers=8) as pool:
        refused = sum(pool.map(send, range(COMMANDS)))
    print(f"answered 503 and sent again: {refused}\n{_warnings(replicas)}")
    sandbox.wait_for(lambda: _settled(db) and sum(_lines(db).values()) >= COMMANDS, timeout=WAIT)

    lines = _lines(db)
    assert lines == Counter(_line(i).split(" ", 2)[2] for i in range(COMMANDS)), "each once"
    assert all(_answered(sandbox, f"event {_line(i)}") == 1 for i in range(COMMANDS))
    with db() as session:
        said = select(func.count()).where(
            TimelineEvent.source == "slack", TimelineEvent.text.like("checkout error rate %")
        )
        assert session.scalar(said) == MESSAGES
    items = _command_items(db)
    assert len(items) == len(CHANNELS) + COMMANDS, "the starts and every event, recorded once"
    assert {item.status for item in items} == {"done"}
    assert [item.attempts for item in items] == [0] * len(items), "none run twice"
    by_replica = Counter(item.claimed_by for item in items)
    assert set(by_replica) == set(NAMES), f"both replicas share the work: {by_replica}"
    for bot in replicas:
        assert "inbox claim lost" not in bot.log()

    # A replica dies holding claims: each newcomer's event waits on Slack for a timezone.
    sandbox.latency.hold(HELD)
    for n, user in enumerate(NEWCOMERS):
        assert _command(drivers[n % 2], user, COMMANDS + n) == 200
    sandbox.wait_for(lambda: sandbox.latency.waiting(HELD) == len(NEWCOMERS), timeout=WAIT)
    held = {item.id: item.claimed_by for item in _command_items(db) if item.status == "claimed"}
    assert Counter(held.values()) == {NAMES[0]: WORKERS, NAMES[1]: WORKERS}
    victim, survivor = replicas
    os.kill(victim.process.pid, signal.SIGKILL)
    assert victim.process.wait(timeout=WAIT) == -signal.SIGKILL
    killed_at = time.monotonic()
    sandbox.latency.release(HELD)

    sandbox.wait_for(lambda: _settled(db), timeout=LEASE_SECONDS + WAIT)
    taken_over_after = time.monotonic() - killed_at
    newcomers = [f"event {_line(COMMANDS + n)}" for n in range(len(NEWCOMERS))]
    assert [_answered(sandbox, text) for text in newcomers] == [1] * len(NEWCOMERS)
    assert all(count == 1 for count in _lines(db).values())
    assert sum(_lines(db).values()) == COMMANDS + len(NEWCOMERS)
    final = {item.id: item for item in _command_items(db)}
    for item_id, holder in held.items():
        item = final[item_id]
        assert (item.status, item.claimed_by) == ("done", NAMES[1])
        expected = 1 if holder == NAMES[0] else 0  # the lease that ran out counts as one
        assert item.attempts == expected, (item_id, holder, item.last_error)
    assert taken_over_after < LEASE_SECONDS + 30, f"taken over after {taken_over_after:.1f} s"
    assert "inbox claim lost" not in survivor.log()
