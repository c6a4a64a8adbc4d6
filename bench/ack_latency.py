"""How fast does Slack get its acknowledgement for `/postmortem start`?

Fires the same signed slash commands, 50 at a time, at the real bot (against the
sandbox, every request a new post-mortem in its own channel, so the lazy work —
a conversations.info, a chat.postMessage and two transactions — runs too) and at a
bare ack-only Bolt app wired as Bolt's docs show, in one run, and prints p50/p99
latency, throughput and the ratio. Prints figures; asserts nothing.

    python bench/ack_latency.py [--requests 1000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
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
    """Signed-later form bodies, each in a channel of its own."""
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


def report(name: str, latencies: list[float], wall: float, failures: int) -> dict[str, float]:
    figures = {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        "rps": len(latencies) / wall,
    }
    print(
        f"{name:<28} p50 {figures['p50']:7.1f} ms   p99 {figures['p99']:7.1f} ms   "
        f"max {figures['max']:7.1f} ms   {figures['rps']:7.1f} req/s   non-200: {failures}"
    )
    return figures


def measure(url: str, bodies: list[bytes], concurrency: int) -> tuple[list[float], float, int]:
    """Fire from a separate process, so the client does not share a GIL with the sandbox."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(_fire_sync, url, bodies, concurrency).result()


def _fire_sync(url: str, bodies: list[bytes], concurrency: int) -> tuple[list[float], float, int]:
    return asyncio.run(fire(url, bodies, concurrency))


def load(name: str, url: str, bodies: list[bytes], args: argparse.Namespace) -> dict[str, float]:
    if not wrk_load.available():
        return report(name, *measure(url, bodies, args.concurrency))
    figures = wrk_load.run(
        url, bodies, secret=SIGNING_SECRET, concurrency=args.concurrency, seconds=args.seconds
    )
    print(
        f"{name:<28} p50 {figures['p50']:7.1f} ms   p99 {figures['p99']:7.1f} ms   "
        f"{figures['rps']:7.1f} req/s   non-2xx: {figures['non2xx']:.0f}"
    )
    return figures


def compare(
    sandbox: Sandbox, bot_url: str, bare_url: str, text: str, args: argparse.Namespace
) -> None:
    tag = text.split()[0].upper()
    ours_bodies = command_bodies(sandbox, args.requests, f"O{tag}", text)
    bare_bodies = command_bodies(sandbox, args.requests, f"B{tag}", text)
    client = f"wrk, {args.seconds} s" if wrk_load.available() else "Python client (install wrk)"
    print(f"\nsigned `/postmortem {text.format(n='N')}`, {args.concurrency} concurrent, {client}")
    ours = load("postmortem-bot serve", bot_url, ours_bodies, args)
    base = load("bare Bolt, Starlette adapter", bare_url, bare_bodies, args)
    print(
        f"bare / ours: p50 {base['p50'] / ours['p50']:.1f}x, p99 {base['p99'] / ours['p99']:.1f}x;"
        f" throughput ours / bare {ours['rps'] / base['rps']:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=6000, help="distinct signed requests")
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
                compare(sandbox, bot.url, bare_url, "start bench {n}", args)
                opened, seconds = drain(sandbox)
                print(
                    f"post-mortems opened by the work after the acks: {opened}, done {seconds:.0f} s after the load stopped"
                )
        finally:
            bare.terminate()
            bare.wait()


def drain(sandbox: Sandbox) -> tuple[int, float]:
    """Wait for the work queued behind the acks to finish: until the count stops growing."""
    began, last, still = time.monotonic(), -1, 0
    while still < 3 and time.monotonic() - began < 300:
        opened = len(_opened(sandbox))
        still = still + 1 if opened == last else 0
        last = opened
        time.sleep(1)
    return last, time.monotonic() - began - 3


def _opened(sandbox: Sandbox) -> list[str]:
    with sandbox.slack.lock:
        channels = list(sandbox.slack.channels)
    return [c for c in channels if c.startswith("COSTART") and sandbox.slack.messages(c)]


if __name__ == "__main__":
    main()
