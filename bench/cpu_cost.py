"""What one request costs the bot in CPU, which the machine's load does not change.

Wall-clock figures on a shared machine move with everyone else's work; the CPU a request
takes does not (much). This bench builds the real bot in-process (the routes of
`bot.server.build_asgi`, the Bolt app, the inbox worker's replay) against the sandbox and
drives, in the main thread only: `--requests` signed `/postmortem start` commands through
the `/slack/events` route (verify, parse, Bolt, the inbox record and its commit: the ack
path), then the worker's processing of each recorded start (claim, replay, the opening
flow with its Slack calls, settle), then `--requests` message events in the new channels
(each filed in the timeline before its ack). The sandbox answers from its own threads, so
the main thread's CPU time (`time.thread_time`) is the bot's cost per request.

    python bench/cpu_cost.py [--requests 200] [--database-url URL] [--profile ack|work|message]

`--profile` prints cProfile's top functions (by own time and cumulative) for one phase:
where the CPU goes. Under `valgrind --tool=callgrind --separate-threads=yes` the main
thread's instruction count over two runs (`--requests N` and `--requests 0`) gives the
instructions per request: see bench/README.md ("CPU per request").
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import glob
import itertools
import json
import os
import pstats
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qs

import bare_bolt
import httpx
from ack_latency import FORM, command_bodies
from sqlalchemy import update

from bot.app import build_app
from bot.clients import build_clients
from bot.config import Settings
from bot.flows.deps import Deps
from bot.http import slack_requests
from bot.inbox import Worker
from bot.inbox.backfills import BackfillReplay, with_backfills
from bot.inbox.recording import runner_of
from bot.inbox.replay import SlackReplay
from bot.inbox.tickets import TicketReplay, by_source
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import SIGNING_SECRET, sandbox_settings
from bot.sandbox.payloads import envelope, message_event
from bot.sandbox.signing import slack_headers
from bot.server import build_asgi
from bot.templates import Templates
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import InboxItem, utcnow
from storage.repositories import inbox

JSON = "application/json"
tags = itertools.count()
T = TypeVar("T")


class Bot:
    """The bot's routes and its inbox worker, built as `serve` builds them, in-process."""

    def __init__(self, sandbox: Sandbox, database_url: str) -> None:
        environ = {**sandbox_settings(sandbox), "DATABASE_URL": database_url}
        settings = Settings.from_env(environ)
        self.engine = make_engine(database_url, pool_size=6)
        schema.upgrade(self.engine)
        sessions = make_sessionmaker(self.engine)
        self.clients = build_clients(settings)
        bolt = build_app(settings, sessions=sessions, clients=self.clients)
        self.asgi = build_asgi(
            settings, engine=self.engine, sessions=sessions, bolt=bolt, slack=self.clients.slack
        )
        replay = SlackReplay(bolt)
        tickets = TicketReplay(sessions, bolt.client, settings)
        deps = Deps(settings, sessions, self.clients, utcnow, Templates(settings.templates_dir))
        handle = with_backfills(
            by_source(replay.handle, tickets.handle), BackfillReplay(deps).handle
        )
        self.worker = Worker(sessions, handle, worker_name="bench-cpu")
        runner_of(bolt).wake = lambda: None  # the main thread drains, below
        # The route hands Bolt's dispatch to a thread; here it runs in the main thread,
        # whose CPU time is what is measured (the same code, minus the hand-over).
        slack_requests.run_in_threadpool = _inline  # type: ignore[assignment]

    def post(self, bodies: list[tuple[bytes, str]]) -> int:
        """Each body through the real route, one after another; how many were not 200."""
        return post(self.asgi, bodies)

    def drain(self) -> int:
        """The worker's loop body in this thread until nothing is due; items processed."""
        done = 0
        while self.worker.run_once():
            done += 1
        return done

    def close(self) -> None:
        self.clients.close()
        self.engine.dispose()


def post(asgi: Any, bodies: list[tuple[bytes, str]]) -> int:
    """Each body signed and posted to `asgi`'s /slack/events in turn; how many were not 200."""

    async def send() -> int:
        transport = httpx.ASGITransport(app=asgi)
        failures = 0
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            for body, content_type in bodies:
                headers = {
                    "Content-Type": content_type,
                    **slack_headers(SIGNING_SECRET, int(time.time()), body),
                }
                answer = await client.post("/slack/events", content=body, headers=headers)
                failures += answer.status_code != 200
        return failures

    return asyncio.run(send())


async def _inline(function: Callable[..., T], *args: Any) -> T:
    return function(*args)


def start_bodies(sandbox: Sandbox, count: int) -> list[tuple[bytes, str]]:
    """`/postmortem start` forms, each in a channel of its own."""
    return [(body, FORM) for body in command_bodies(sandbox, count, f"CPU{next(tags)}", "start")]


def message_bodies(sandbox: Sandbox, channels: list[str]) -> list[tuple[bytes, str]]:
    bodies = []
    for n, channel in enumerate(channels):
        tag = next(tags)
        message = {
            "type": "message",
            "user": "U0ALICE",
            "text": f"checking the pool, step {n}",
            "ts": f"{1_800_000_000 + tag}.{n % 1000:06d}",
            "client_msg_id": f"cpu-{tag}",
        }
        event = message_event(sandbox.slack, channel, message)
        body = envelope(sandbox.slack, event, f"EvCPU{tag:08d}")
        bodies.append((json.dumps(body, separators=(",", ":")).encode(), JSON))
    return bodies


@contextmanager
def measured(label: str, count: int, profile: bool, quiet: bool = False) -> Iterator[None]:
    """Print the main thread's CPU and wall time for `count` requests of this phase."""
    if quiet:
        yield
        return
    profiler = cProfile.Profile(time.thread_time) if profile else None
    callgrind("-z")
    cpu, wall = time.thread_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    yield
    if profiler:
        profiler.disable()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    instructions = callgrind("-d")
    each = f"{cpu / count * 1000:6.2f} ms CPU each" if count else "nothing sent"
    if instructions and count:
        each += f", {instructions / count / 1e6:6.2f} M instructions each"
    print(f"  {label:<34} {count:>5}   {each}   (wall {wall:5.1f} s)", flush=True)
    if profiler:
        profiler.dump_stats(f"{tempfile.gettempdir()}/cpu_cost.prof")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(45)


def callgrind(command: str) -> int | None:
    """Under `valgrind --tool=callgrind --separate-threads=yes`: zero the counters (-z),
    or dump them (-d) and return the main thread's instruction count since the zeroing."""
    if "valgrind" not in os.environ.get("LD_PRELOAD", ""):
        return None
    pid = str(os.getpid())
    before = set(glob.glob(f"callgrind.out.{pid}*"))
    subprocess.run(["callgrind_control", command, pid], check=True, capture_output=True)
    if command != "-d":
        return None
    for dump in sorted(set(glob.glob(f"callgrind.out.{pid}.*-01")) - before):
        with open(dump) as lines:
            for line in lines:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
    return None


def run(requests: int, database_url: str | None, profile: str | None) -> None:
    with Sandbox(rate_limits=False) as sandbox, tempfile.TemporaryDirectory() as scratch:
        sandbox.slack.add_user("U0ALICE", "alice")
        bot = Bot(sandbox, database_url or f"sqlite:///{scratch}/cpu.db")
        try:
            phase(bot, sandbox, 3, None, quiet=True)  # warm: imports, templates, statements
            print(f"bot CPU per request, main thread ({requests} each):")
            phase(bot, sandbox, requests, profile)
            floor(sandbox, requests)
        finally:
            bot.close()


def floor(sandbox: Sandbox, count: int) -> None:
    """The same requests to the framework's floor (bench/bare_bolt.py, ack-only listeners)."""
    bare_bolt.run_in_threadpool = _inline  # type: ignore[assignment]
    asgi = bare_bolt.build(SIGNING_SECRET, sandbox.slack_api_url, sandbox.slack.bot_token)
    starts = start_bodies(sandbox, count + 3)
    channels = [parse_qs(body.decode())["channel_id"][0] for body, _ in starts]
    messages = message_bodies(sandbox, channels)
    post(asgi, starts[:3] + messages[:3])  # warm
    print(f"the floor, a bare Bolt app wired well ({count} each):")
    with measured("/postmortem start, ack", count, False):
        refused = post(asgi, starts[3:])
    with measured("message event, ack", count, False):
        refused += post(asgi, messages[3:])
    print(f"  answered non-200: {refused}")


def phase(
    bot: Bot, sandbox: Sandbox, count: int, profile: str | None, *, quiet: bool = False
) -> None:
    starts = start_bodies(sandbox, count)
    with measured("/postmortem start, ack", count, profile == "ack", quiet):
        refused = bot.post(starts)
    with measured("start, the worker's processing", count, profile == "work", quiet):
        processed = bot.drain()
    channels = [parse_qs(body.decode())["channel_id"][0] for body, _ in starts]
    messages = message_bodies(sandbox, channels)
    with measured("message event, ack (filed)", count, profile == "message", quiet):
        refused += bot.post(messages)
    processed += bot.drain()
    if not quiet:
        print(f"  answered non-200: {refused}; inbox items processed: {processed}")


def claim_cost(done: int, keys: int = 20, open_items: int = 200) -> None:
    """CPU of a worker's claim and settle with `done` done items kept over `keys` threads
    (the inbox keeps done items a week): `open_items` claimed one by one, in the main thread."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/claims.db")
        schema.upgrade(engine)
        sessions = make_sessionmaker(engine)
        now = utcnow()
        with sessions.begin() as session:
            for n in range(done + open_items):
                inbox.add(
                    session, source="slack", kind="event", delivery_key=f"Ev{n}",
                    handler="message", payload="{}", order_key=f"C{n % keys}", now=now,
                )  # fmt: skip
                if n == done - 1:
                    session.execute(update(InboxItem).values(status=inbox.DONE))
        cpu, claimed = time.thread_time(), 0
        while True:
            with sessions.begin() as session:
                items = inbox.claim_next(session, worker="bench", now=now, lease_seconds=60)
                if not items:
                    break
                inbox.complete(session, items[0], now=now)
                claimed += 1
        each = (time.thread_time() - cpu) / claimed * 1000
        print(f"  claim and settle, {done:>6} done items over {keys} threads: {each:5.2f} ms CPU")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", choices=("ack", "work", "message"), default=None)
    parser.add_argument("--claims", action="store_true", help="only the claim's cost")
    args = parser.parse_args()
    if args.claims:
        for done in (0, 5000, 20000):
            claim_cost(done)
        return
    run(args.requests, args.database_url, args.profile)


if __name__ == "__main__":
    main()
