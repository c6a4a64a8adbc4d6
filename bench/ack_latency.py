"""How fast does Slack get its acknowledgement for `/postmortem`, beside the framework's floor?

Fires the same signed slash commands, 50 at a time, with the same wrk load, at the real
bot (against the sandbox; for `start` every request a new post-mortem in its own channel,
so the lazy work — a conversations.info, a chat.postMessage and two transactions — runs
too) and at the floor: a bare Bolt app wired well (bench/bare_bolt.py: ack-only
listeners, `process_before_response=True`, dispatch in the thread pool). One run prints
both side by side, p50/p99 latency and throughput, and the ratios. Each request body is
sent once: the bodies written and how many were distinct are printed beside each row, and
a run that wrote more bodies than it had is made again with enough. The bot answers once
the work is in its inbox; after each of its runs the bench waits, on /healthz, until the
inbox has nothing pending and prints how long the work behind the acks took. Every run
starts with that inbox empty, so no backlog slows the next measurement.
Prints figures; asserts nothing.

Measured on the shared 2-core dev box, other helpers' tests running (load average 3-7),
5 s per run (`--seconds 5 --requests 6000`), 2026-12-01: `help`: floor p99 68 ms at
2,579 req/s, the bot p50 48 ms, p99 83 ms, 982 req/s (p99 1.2x); `start`: floor p99
79 ms at 2,607 req/s, the bot p50 125 ms, p99 263 ms, 378 req/s (p99 3.3x); 1,974
post-mortems opened for 1,975 bodies, the last 65 s after the load. Every body sent
once. More, and the figures before the inbox was made fast: bench/README.md.

    python bench/ack_latency.py [--requests 20000] [--concurrency 50] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import wrk_load

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import SIGNING_SECRET, free_port, running_bot
from bot.sandbox.payloads import slash_command_form
from bot.sandbox.signing import slack_headers

FORM = "application/x-www-form-urlencoded"


def command_bodies(sandbox: Sandbox, count: int, prefix: str, text: str) -> list[bytes]:
    """Form bodies (signed later), each in a channel of its own."""
    bodies = []
    for n in range(count):
        channel = f"C{prefix}{n:06d}"
        sandbox.slack.add_channel(channel, f"inc-{prefix.lower()}-{n}", members=("U0ALICE",))
        urls = {
            "response_url": sandbox.slack.new_response_url({"kind": "command"}),
            "trigger_id": sandbox.slack.new_trigger_id(),
        }
        form = slash_command_form(
            sandbox.slack, "U0ALICE", channel, text.format(n=n), "/postmortem", urls
        )
        bodies.append(urlencode(form).encode())
    return bodies


async def fire(url: str, bodies: list[bytes], concurrency: int) -> tuple[list[float], float, int]:
    """Latencies in ms, wall seconds, and how many answers were not 200."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

        async def one(body: bytes) -> None:
            nonlocal failures
            async with gate:
                headers = {
                    "Content-Type": FORM,
                    **slack_headers(SIGNING_SECRET, int(time.time()), body),
                }
                began = time.perf_counter()
                response = await client.post(f"{url}/slack/events", content=body, headers=headers)
                latencies.append((time.perf_counter() - began) * 1000)
                failures += response.status_code != 200

        began = time.perf_counter()
        await asyncio.gather(*(one(body) for body in bodies))
        return latencies, time.perf_counter() - began, failures


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_bare_bolt(sandbox: Sandbox) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    script = Path(__file__).with_name("bare_bolt.py")
    arguments = [str(port), SIGNING_SECRET, sandbox.slack_api_url, sandbox.slack.bot_token]
    process = subprocess.Popen([sys.executable, str(script), *arguments])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/healthz", timeout=1.0)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the bare Bolt app did not start")


def python_result(latencies: list[float], wall: float, failures: int) -> wrk_load.Result:
    """The Python client's figures in wrk's shape; it sends each body once."""
    return wrk_load.Result(
        p50=statistics.median(latencies),
        p99=percentile(latencies, 0.99),
        rps=len(latencies) / wall,
        answered=len(latencies),
        non2xx=failures,
        written=len(latencies),
        distinct=len(latencies),
    )


def report(name: str, figures: wrk_load.Result) -> None:
    repeats = f"{figures.repeated:,} REPEATED" if figures.repeated else "each once"
    print(
        f"{name:<26} p50 {figures.p50:7.1f} ms   p99 {figures.p99:7.1f} ms   "
        f"{figures.rps:7.1f} req/s   non-2xx {figures.non2xx}   "
        f"bodies {figures.distinct:,} distinct of {figures.written:,} written ({repeats}), "
        f"{figures.answered:,} answered",
        flush=True,
    )


def measure(url: str, bodies: list[bytes], concurrency: int) -> tuple[list[float], float, int]:
    """Fire from a separate process, so the client does not share a GIL with the sandbox."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(_fire_sync, url, bodies, concurrency).result()


def _fire_sync(url: str, bodies: list[bytes], concurrency: int) -> tuple[list[float], float, int]:
    return asyncio.run(fire(url, bodies, concurrency))


def load(
    name: str,
    url: str,
    bodies_for: Callable[[int], list[bytes]],
    args: argparse.Namespace,
    settle: Callable[[], object],
) -> list[wrk_load.Result]:
    """Runs at `url`, the last one measured: a run that had to repeat bodies is made
    again with a body for each, once the work behind its acks has settled."""
    bodies = bodies_for(args.requests)
    if not wrk_load.available():
        figures = python_result(*measure(url, bodies, args.concurrency))
        report(name, figures)
        return [figures]
    options = {"secret": SIGNING_SECRET, "concurrency": args.concurrency, "seconds": args.seconds}
    runs = [wrk_load.run(url, bodies, **options)]
    if runs[-1].repeated:
        print(
            f"{name:<26} wrote {runs[-1].written:,} requests over {len(bodies):,} bodies: "
            "again, with a body for each",
            flush=True,
        )
        bodies = bodies_for(runs[-1].written * 3 // 2)
        settle()
        runs.append(wrk_load.run(url, bodies, **options))
    report(name, runs[-1])
    return runs


def compare(
    sandbox: Sandbox, bot_url: str, bare_url: str, text: str, args: argparse.Namespace
) -> list[wrk_load.Result]:
    """The floor, then the bot, on the same load; the bot's runs."""
    tag = text.split()[0].upper()
    attempts = itertools.count()

    def bodies_for(who: str) -> Callable[[int], list[bytes]]:
        return lambda count: command_bodies(sandbox, count, f"{who}{tag}{next(attempts)}", text)

    client = f"wrk, {args.seconds} s" if wrk_load.available() else "Python client (install wrk)"
    print(f"\nsigned `/postmortem {text.format(n='N')}`, {args.concurrency} concurrent, {client}")
    idle = functools.partial(settle, bot_url)
    idle()
    floor = load("bare Bolt, wired well", bare_url, bodies_for("B"), args, idle)[-1]
    runs = load("postmortem-bot serve", bot_url, bodies_for("O"), args, idle)
    ours = runs[-1]
    print(
        f"ours / floor: p50 {ours.p50 / floor.p50:.1f}x, p99 {ours.p99 / floor.p99:.1f}x; "
        f"throughput floor / ours {floor.rps / ours.rps:.1f}x",
        flush=True,
    )
    seconds, counts = settle(bot_url)
    print(
        f"work behind the bot's acks: done {seconds:.0f} s after the load stopped"
        f" (inbox: {counts.get('done', 0):,} done, {counts.get('dead', 0):,} dead)",
        flush=True,
    )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--requests", type=int, default=20_000, help="signed bodies a run starts with"
    )
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=15, help="wrk run length per server")
    args = parser.parse_args()
    with Sandbox(rate_limits=False) as sandbox:
        sandbox.slack.add_user("U0ALICE", "alice")
        bare, bare_url = start_bare_bolt(sandbox)
        try:
            with running_bot(sandbox) as bot:
                warm = command_bodies(sandbox, 20, "WARM", "help")
                measure(bot.url, warm, 5), measure(bare_url, warm, 5)
                compare(sandbox, bot.url, bare_url, "help", args)
                runs = compare(sandbox, bot.url, bare_url, "start bench {n}", args)
                print(
                    f"post-mortems opened by the work after the acks: {len(_opened(sandbox)):,}"
                    f" (start requests answered {sum(r.answered for r in runs):,},"
                    f" written {sum(r.distinct for r in runs):,})"
                )
        finally:
            bare.terminate()
            bare.wait()


def settle(bot_url: str, cap: float = 600.0) -> tuple[float, dict[str, int]]:
    """Wait for the work queued behind the acks to finish: until the bot's /healthz shows
    no inbox item pending or claimed. The seconds that took, and the inbox's last counts."""
    began = time.monotonic()
    while True:
        counts = httpx.get(f"{bot_url}/healthz", timeout=10.0).json().get("inbox", {})
        if not counts.get("pending") and not counts.get("claimed"):
            return time.monotonic() - began, counts
        if time.monotonic() - began > cap:
            return cap, counts
        time.sleep(0.5)


def _opened(sandbox: Sandbox) -> list[str]:
    with sandbox.slack.lock:
        channels = list(sandbox.slack.channels)
    return [c for c in channels if c.startswith("COSTART") and sandbox.slack.messages(c)]


if __name__ == "__main__":
    main()
