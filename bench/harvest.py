"""How the history harvest scales: Slack calls, wall time and peak memory for big channels.

    .venv/bin/python bench/harvest.py [--window SECONDS] [--backfill]

Two sandbox channels: 10,000 messages of which 500 start threads (3 replies each), and
100,000 messages without threads. Each is harvested with the bot's own WebClient
(`bot.app.build_client`: RateLimitErrorRetryHandler installed) against a sandbox with
Slack's Tier 3 budgets over a short rate window. Printed beside each figure:
- Slack calls made (and 429s) beside the minimum possible, ceil(N / 999) history pages
  plus one replies call per thread with replies;
- wall time beside the sandbox's rate-limit floor (the least time the budgets allow);
- peak memory of the harvesting process (tracemalloc). The sandbox runs in a child
  process so its in-memory workspace is not counted.
With `--backfill`, the same channels are also written to a fresh SQLite database through
`bot.flows.channel_history`, a page per transaction. Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection

from bot.app import build_client
from bot.config import Settings
from bot.core.spoken import OwnBot
from bot.flows import channel_history
from bot.sandbox import Sandbox
from bot.services import postmortems
from bot.slack import harvest
from storage import schema
from storage.db import make_engine, make_sessionmaker

CHANNEL = "C0BENCH"
PEOPLE = ("U0ALICE", "U0BOB", "U0CARMEN")
REPLIES_PER_THREAD = 3
START = 1_700_000_000
MIB = 1024 * 1024
METHODS = ("conversations.history", "conversations.replies")


@dataclass(frozen=True)
class Shape:
    label: str
    messages: int
    threads: int


SHAPES = (
    Shape("10,000 messages, 500 threads", 10_000, 500),
    Shape("100,000 messages", 100_000, 0),
)


@dataclass(frozen=True)
class Figures:
    read: int
    calls: int
    limited: int
    minimum: int
    seconds: float
    floor: float
    peak_mib: float


def serve_sandbox(shape: Shape, window: float, pipe: Connection) -> None:
    """Child process: seed a channel, then answer questions about the calls it saw."""
    with Sandbox(rate_window_seconds=window) as sandbox:
        _seed(sandbox, shape)
        pipe.send((sandbox.slack_api_url, sandbox.slack.bot_token))
        while (question := pipe.recv()) != "stop":
            if question == "reset":
                sandbox.limiter.reset()
                with sandbox.slack.lock:
                    sandbox.slack._calls.clear()
                pipe.send(None)
            else:
                pipe.send(_call_figures(sandbox))


def _seed(sandbox: Sandbox, shape: Shape) -> None:
    slack = sandbox.slack
    for person in PEOPLE:
        slack.add_user(person, person[3:].lower())
    slack.add_channel(CHANNEL, "inc-bench", members=PEOPLE, created=START)
    every = shape.messages // shape.threads if shape.threads else 0
    for i in range(shape.messages):
        ts = f"{START + i}.000100"
        message = slack.post_as_user(CHANNEL, PEOPLE[i % 3], f"message {i}", ts=ts)
        if every and i % every == 0:
            for r in range(REPLIES_PER_THREAD):
                slack.post_as_user(CHANNEL, PEOPLE[r % 3], f"reply {r}", thread_ts=message["ts"])


def _call_figures(sandbox: Sandbox) -> dict[str, tuple[int, int, float]]:
    """Per method: calls answered, 429s, and the rate-limit floor for the calls answered."""
    figures = {}
    for method in METHODS:
        calls = [c for c in sandbox.slack.calls if c.method == method]
        answered = sum(1 for c in calls if c.status == 200)
        floor = sandbox.slack.rate_floor_seconds(method, answered)
        figures[method] = (answered, len(calls) - answered, floor)
    return figures


def measure(run: Callable[[], int], pipe: Connection, shape: Shape) -> Figures:
    pipe.send("reset")
    pipe.recv()
    tracemalloc.start()
    began = time.perf_counter()
    read = run()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    pipe.send("figures")
    calls = pipe.recv()
    return Figures(
        read=read,
        calls=sum(answered for answered, _, _ in calls.values()),
        limited=sum(limited for _, limited, _ in calls.values()),
        minimum=math.ceil(shape.messages / harvest.HISTORY_LIMIT) + shape.threads,
        seconds=seconds,
        # One client reads the buckets in turn, so no bucket's floor can overlap another's.
        floor=sum(floor for _, _, floor in calls.values()),
        peak_mib=peak / MIB,
    )


def harvest_only(url: str, token: str) -> Callable[[], int]:
    client = build_client(Settings(slack_bot_token=token, slack_api_url=url))
    return lambda: sum(len(page.messages) for page in harvest.pages(client, CHANNEL))


def into_sqlite(url: str, token: str, workdir: str) -> Callable[[], int]:
    client = build_client(Settings(slack_bot_token=token, slack_api_url=url))
    engine = make_engine(f"sqlite:///{workdir}/bench-{time.monotonic_ns()}.db")
    schema.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session,
            team_id="T0SANDBOX",
            channel_id=CHANNEL,
            user_id=PEOPLE[0],
            title="bench",
            now=datetime.now(UTC),
        )
        postmortem_id = postmortem.id
    own = OwnBot("U0BOT", "B0BOT")

    def run() -> int:
        outcome = channel_history.backfill_channel(sessions, client, postmortem_id, own=own)
        return outcome.tally.messages

    return run


def report(kind: str, shape: Shape, figures: Figures) -> None:
    print(
        f"{kind:<9} {shape.label:<30} {figures.read:>8,} {figures.calls:>6,} "
        f"{figures.minimum:>6,} {figures.limited:>5,} {figures.seconds:>8.1f} "
        f"{figures.floor:>7.1f} {figures.peak_mib:>8.1f}",
        flush=True,
    )


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--window", type=float, default=1.0, help="rate window, seconds")
    options.add_argument("--backfill", action="store_true", help="also write to SQLite")
    args = options.parse_args()
    print(f"Tier 3 budget: 50 calls per {args.window:g} s window per method (Slack: per minute)")
    print(
        f"{'what':<9} {'channel':<30} {'messages':>8} {'calls':>6} {'min':>6} {'429s':>5} "
        f"{'wall s':>8} {'floor s':>7} {'peak MiB':>8}"
    )
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="bench-harvest-") as workdir:
        for shape in SHAPES:
            ours, theirs = context.Pipe()
            child = context.Process(target=serve_sandbox, args=(shape, args.window, theirs))
            child.start()
            url, token = ours.recv()
            report("harvest", shape, measure(harvest_only(url, token), ours, shape))
            if args.backfill:
                run = into_sqlite(url, token, workdir)
                report("backfill", shape, measure(run, ours, shape))
            ours.send("stop")
            child.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
