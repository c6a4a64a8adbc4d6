"""Sustained load through the inbox, and a burst with a SIGTERM in the middle (issue 11).

Three scenarios, on SQLite and on PostgreSQL, each printed beside the framework's floor
(bench/bare_bolt.py: a bare Bolt app wired well) measured in the same run on the same load:

* messages: signed `message` events (each its own event_id) spread over 20 channels
  that have a post-mortem open, sent by wrk at 50 concurrent for --seconds. Each is
  filed in the channel's timeline before its ack; the timeline rows are counted after,
  against the events answered 200.
* starts: signed `/postmortem start` commands, each in a new channel, for --seconds; the
  bench then waits until the inbox has done every one and prints the sustained rate,
  post-mortems opened over the time from the first request to the last one opened.
* burst: 1,000 starts fired at once (50 concurrent); once about half are answered the
  bot gets SIGTERM. What it refused (503) or could not answer is sent again, as a person
  would, to the bot restarted on the same database under the same WORKER_NAME; then the
  post-mortems opened are counted: each of the 1,000 exactly once, none lost.

Figures only, no verdict. `--quick` runs 5 s loads; each scenario takes under 3 minutes
(most of it the work behind the starts' acks). PostgreSQL runs when BENCH_DATABASE_URL
or TEST_DATABASE_URL names a server (a scratch schema each run).

    python bench/inbox_load.py [messages|starts|burst ...] [--database sqlite|postgres|both]
        [--seconds 10] [--concurrency 50] [--burst 1000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import wrk_load
from ack_latency import FORM, command_bodies, settle, start_bare_bolt
from sqlalchemy import func, select

from bot.flows.opening import EVENT_TYPE as OPENING
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import SIGNING_SECRET, running_bot
from bot.sandbox.payloads import envelope, message_event
from bot.sandbox.signing import slack_headers
from storage import schema
from storage.db import make_engine
from storage.models import TimelineEvent

JSON = "application/json"
CHANNELS = 20  # watched channels the message events are spread over
WORKER = "bench-burst"
tags = itertools.count()


def main() -> None:
    args = _arguments()
    if not wrk_load.available():
        print("bench/inbox_load.py drives its load with wrk: apt-get install wrk")
        return
    with Sandbox(rate_limits=False) as sandbox:
        sandbox.slack.add_user("U0ALICE", "alice")
        bare, bare_url = start_bare_bolt(sandbox)
        try:
            for name, url in _databases(args.database):
                with url as database_url:
                    print(f"\n=== {name} ({_load()}) ===", flush=True)
                    for scenario in args.scenarios:
                        SCENARIOS[scenario](sandbox, bare_url, database_url, args)
        finally:
            bare.terminate()
            bare.wait()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", help=f"some of {', '.join(SCENARIOS)} (all)")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=10, help="wrk run length per server")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--burst", type=int, default=1000, help="starts in the burst")
    parser.add_argument("--quick", action="store_true", help="5 s loads")
    args = parser.parse_args()
    args.scenarios = args.scenarios or list(SCENARIOS)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(
            f"no scenario {', '.join(sorted(unknown))}: choose from {', '.join(SCENARIOS)}"
        )
    if args.quick:
        args.seconds = 5
    return args


def _databases(which: str) -> Iterator[tuple[str, contextlib.AbstractContextManager[str]]]:
    if which in ("sqlite", "both"):
        yield "SQLite", _sqlite_file()
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if which in ("postgres", "both"):
        if server:
            yield "PostgreSQL", schema.scratch_postgres_schema(server, prefix="bench")
        else:
            print("\nPostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")


@contextlib.contextmanager
def _sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="postmortem-bench-") as folder:
        url = f"sqlite:///{folder}/bot.db"
        schema.upgrade(make_engine(url))
        yield url


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


# -- messages -------------------------------------------------------------------------


def messages(sandbox: Sandbox, bare_url: str, database_url: str, args: argparse.Namespace) -> None:
    print(
        f"\nmessage events in watched channels, {args.concurrency} concurrent, wrk {args.seconds} s"
    )
    with running_bot(sandbox, database_url=database_url) as bot:
        channels = _open_postmortems(sandbox, bot.url, CHANNELS)
        bodies_for = _message_bodies(sandbox, channels)
        floor = _wrk(bare_url, bodies_for(args.seconds * 6000), args, JSON)
        _report("bare Bolt, wired well", floor)
        before = _timeline_rows(database_url)
        ours = _wrk(bot.url, bodies_for(args.seconds * 2000), args, JSON)
        _report("postmortem-bot serve", ours)
        filed = _timeline_rows(database_url) - before
    _ratios(ours, floor)
    print(
        f"timeline rows filed before the acks: {filed:,} for {ours.answered:,} answered "
        f"({ours.distinct:,} bodies written)",
        flush=True,
    )


def _message_bodies(sandbox: Sandbox, channels: list[str]) -> Callable[[int], list[bytes]]:
    """A function making `count` message events, each with an event_id and a ts of its own."""
    slack = sandbox.slack

    def make(count: int) -> list[bytes]:
        tag = next(tags)
        bodies = []
        for n in range(count):
            message = {
                "user": "U0ALICE",
                "text": f"load {tag}: step {n} of the rollback",
                "ts": f"{1_700_000_000 + tag * 100_000 + n // 1000}.{n % 1000:06d}",
                "client_msg_id": f"bench-{tag}-{n}",
            }
            event = message_event(slack, channels[n % len(channels)], message)
            body = envelope(slack, event, f"Ev{tag:03d}{n:08d}")
            bodies.append(json.dumps(body, separators=(",", ":")).encode())
        return bodies

    return make


def _open_postmortems(sandbox: Sandbox, bot_url: str, count: int) -> list[str]:
    """`count` channels with a post-mortem open, each started by a signed command."""
    prefix = f"W{next(tags)}"
    bodies = command_bodies(sandbox, count, prefix, "start load {n}")
    statuses = _fire(bot_url, bodies, 10)
    assert all(status == 200 for status in statuses), statuses
    settle(bot_url)
    return [f"C{prefix}{n:06d}" for n in range(count)]


def _timeline_rows(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).select_from(TimelineEvent)
            return connection.scalar(query.where(TimelineEvent.source == "slack")) or 0
    finally:
        engine.dispose()


# -- starts ---------------------------------------------------------------------------


def starts(sandbox: Sandbox, bare_url: str, database_url: str, args: argparse.Namespace) -> None:
    print(f"\n`/postmortem start` sustained, {args.concurrency} concurrent, wrk {args.seconds} s")
    floor = _wrk(bare_url, _start_bodies(sandbox, args.seconds * 6000), args, FORM)
    _report("bare Bolt, wired well", floor)
    with running_bot(sandbox, database_url=database_url) as bot:
        bodies = _start_bodies(sandbox, args.seconds * 600)
        began = time.monotonic()
        ours = _wrk(bot.url, bodies, args, FORM)
        _report("postmortem-bot serve", ours)
        drained, counts = settle(bot.url)
        took = time.monotonic() - began
    opened = len(_opened(sandbox, bodies))
    _ratios(ours, floor)
    print(
        f"starts done: {opened:,} post-mortems opened for {ours.distinct:,} bodies written, "
        f"the last {drained:.0f} s after the load: {opened / took:.0f} starts/s sustained "
        f"(inbox: {counts.get('done', 0):,} done, {counts.get('dead', 0):,} dead)",
        flush=True,
    )


def _start_bodies(sandbox: Sandbox, count: int) -> list[bytes]:
    return command_bodies(sandbox, count, f"S{next(tags)}", "start load {n}")


def _opened(sandbox: Sandbox, bodies: list[bytes]) -> set[str]:
    """The channels of `bodies` where the bot posted: their post-mortems opened."""
    wanted = {_channel_of(body) for body in bodies}
    with sandbox.slack.lock:
        return {c for c in wanted if c in sandbox.slack.channels and sandbox.slack.messages(c)}


def _channel_of(body: bytes) -> str:
    return parse_qs(body.decode())["channel_id"][0]


# -- burst ----------------------------------------------------------------------------


def burst(sandbox: Sandbox, bare_url: str, database_url: str, args: argparse.Namespace) -> None:
    print(f"\na burst of {args.burst:,} starts, {args.concurrency} concurrent, SIGTERM halfway")
    bodies = _start_bodies(sandbox, args.burst)
    env = {"WORKER_NAME": WORKER, "SHUTDOWN_GRACE_SECONDS": "5"}
    began = time.monotonic()
    with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
        statuses = _fire_and_stop(bot, bodies, args.concurrency)
        first_log = bot.log()
    stopped_with = bot.process.returncode
    refused = [body for body, status in zip(bodies, statuses, strict=True) if status != 200]
    answered = len(bodies) - len(refused)
    with running_bot(sandbox, database_url=database_url, extra_env=env) as again:
        for _ in range(5):  # as a person would: send again what was refused
            if not refused:
                break
            statuses = _fire(again.url, refused, args.concurrency)
            refused = [b for b, s in zip(refused, statuses, strict=True) if s != 200]
        drained, counts = settle(again.url)
        if os.environ.get("BENCH_LOG"):
            Path(os.environ["BENCH_LOG"]).write_text(f"{first_log}\n=== again ===\n{again.log()}")
    took = time.monotonic() - began
    opened = _opened(sandbox, bodies)
    twice = _opened_twice(sandbox, opened)
    print(
        f"before SIGTERM: {answered:,} answered 200, {len(bodies) - answered:,} refused "
        f"(503 or no answer); the bot exited {stopped_with}; after the restart "
        f"{len(refused):,} still refused",
        flush=True,
    )
    print(
        f"opened: {len(opened):,} of {len(bodies):,} ({len(bodies) - len(opened):,} lost, "
        f"{len(twice):,} opened twice), the last {drained:.0f} s after the resends, "
        f"{took:.0f} s in all (inbox: {counts.get('done', 0):,} done, "
        f"{counts.get('dead', 0):,} dead)",
        flush=True,
    )


def _fire_and_stop(bot: Any, bodies: list[bytes], concurrency: int) -> list[int]:
    """Fire `bodies`; SIGTERM the bot once its inbox holds about half of them."""
    before = _recorded(bot.url)
    with ProcessPoolExecutor(max_workers=1) as pool:
        statuses = pool.submit(_fire_sync, bot.url, bodies, concurrency)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not statuses.done():
            if _recorded(bot.url) - before >= len(bodies) // 2:
                break
            time.sleep(0.05)
        bot.process.send_signal(signal.SIGTERM)
        result = statuses.result()
        bot.process.wait(timeout=60)
    return result


def _recorded(bot_url: str) -> int:
    try:
        counts = httpx.get(f"{bot_url}/healthz", timeout=5.0).json().get("inbox", {})
    except (httpx.HTTPError, ValueError):
        return 0
    return sum(counts.values())


def _opened_twice(sandbox: Sandbox, channels: set[str]) -> list[str]:
    """Channels with more than one opening message (stamped with its metadata)."""
    slack = sandbox.slack
    with slack.lock:
        return [c for c in channels if sum(map(_is_opening, slack.messages(c))) > 1]


def _is_opening(message: dict[str, Any]) -> bool:
    return (message.get("metadata") or {}).get("event_type") == OPENING


# -- load -----------------------------------------------------------------------------


def _wrk(url: str, bodies: list[bytes], args: argparse.Namespace, kind: str) -> wrk_load.Result:
    return wrk_load.run(
        url,
        bodies,
        secret=SIGNING_SECRET,
        concurrency=args.concurrency,
        seconds=args.seconds,
        content_type=kind,
    )


def _fire(url: str, bodies: list[bytes], concurrency: int) -> list[int]:
    """Each body once from another process (its own GIL); each answer's status, 0 for none."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(_fire_sync, url, bodies, concurrency).result()


def _fire_sync(url: str, bodies: list[bytes], concurrency: int) -> list[int]:
    return asyncio.run(_fire_async(url, bodies, concurrency))


async def _fire_async(url: str, bodies: list[bytes], concurrency: int) -> list[int]:
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

        async def one(body: bytes) -> int:
            async with gate:
                headers = {
                    "Content-Type": FORM,
                    **slack_headers(SIGNING_SECRET, int(time.time()), body),
                }
                try:
                    answer = await client.post(f"{url}/slack/events", content=body, headers=headers)
                except httpx.TransportError:
                    return 0
                return answer.status_code

        return list(await asyncio.gather(*(one(body) for body in bodies)))


def _report(name: str, figures: wrk_load.Result) -> None:
    repeats = f"{figures.repeated:,} REPEATED" if figures.repeated else "each once"
    print(
        f"{name:<24} p50 {figures.p50:7.1f} ms   p99 {figures.p99:7.1f} ms   "
        f"{figures.rps:7.1f} req/s   non-2xx {figures.non2xx}   "
        f"bodies {figures.distinct:,} of {figures.written:,} written ({repeats})",
        flush=True,
    )


def _ratios(ours: wrk_load.Result, floor: wrk_load.Result) -> None:
    print(
        f"ours / floor: p50 {ours.p50 / floor.p50:.1f}x, p99 {ours.p99 / floor.p99:.1f}x; "
        f"throughput floor / ours {floor.rps / ours.rps:.1f}x",
        flush=True,
    )


SCENARIOS = {"messages": messages, "starts": starts, "burst": burst}

if __name__ == "__main__":
    main()
