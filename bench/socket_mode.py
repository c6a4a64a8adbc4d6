"""Socket Mode: how fast the bot acknowledges an envelope, and how long a dropped
connection keeps an envelope from being applied.

The real `serve` in Socket Mode against the sandbox's WebSocket. First `help` slash
commands (answered in the ack), CONCURRENCY at a time from threads, then live channel
messages (recorded in the inbox before the ack): p50/p99 ack latency of each. Then
DROPS times: the sandbox cuts the connection as the bot's ack arrives; the time from
sending the envelope to the ack of its redelivery on the bot's new connection (the
bot looks at the connection every 5 s, `bot.http.socket_mode`). Prints figures; asserts
nothing.

Measured on the shared 2-core dev box, other helpers' tests running, 2026-12-01:
see bench/README.md.

    python bench/socket_mode.py [--requests 300] [--concurrency 10] [--drops 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import running_bot
from bot.sandbox.driver import Driver

CHANNEL, ALICE = "C0BENCH", "U0ALICE"


def timed(call: object) -> float:
    began = time.perf_counter()
    response = call()  # type: ignore[operator]
    if response.status_code != 200:
        raise RuntimeError(f"no ack: {response.status_code}")
    return (time.perf_counter() - began) * 1000


def percentiles(name: str, samples: list[float], seconds: float) -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{name:<22} n={len(samples):<5} p50 {statistics.median(ordered):6.1f} ms  "
        f"p99 {p99:6.1f} ms  {len(samples) / seconds:6.0f} acks/s"
    )


def burst(driver: Driver, name: str, calls: list[object], concurrency: int) -> None:
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        samples = list(pool.map(timed, calls))
    percentiles(name, samples, time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--drops", type=int, default=3)
    args = parser.parse_args()
    with Sandbox(rate_limits=False) as sandbox:
        sandbox.slack.add_user(ALICE, "alice")
        sandbox.slack.add_channel(CHANNEL, "inc-bench", members=(ALICE,))
        with running_bot(sandbox, socket_mode=True) as bot:
            sandbox.socket_mode.wait_connected()
            driver = Driver(bot.url, bot.signing_secret, sandbox, socket_mode=True, timeout=30)
            driver.slash_command(ALICE, CHANNEL, "help")  # warm up
            helps = [lambda: driver.slash_command(ALICE, CHANNEL, "help")] * args.requests
            burst(driver, "/postmortem help", helps, args.concurrency)
            driver.slash_command(ALICE, CHANNEL, "start Bench")
            sandbox.wait_for(lambda: sandbox.slack.call_count("chat.postMessage") >= 1)
            posts = [
                (lambda i=i: driver.user_posts(CHANNEL, ALICE, f"line {i}")[1])
                for i in range(args.requests)
            ]
            burst(driver, "channel message", posts, args.concurrency)
            waits = []
            for i in range(args.drops):
                sandbox.socket_mode.drop_before_ack()
                waits.append(timed(lambda i=i: driver.user_posts(CHANNEL, ALICE, f"drop {i}")[1]))
            print(
                f"dropped connection     n={len(waits):<5} envelope to redelivered ack: "
                + ", ".join(f"{w / 1000:.2f} s" for w in waits)
                + f"  (connections opened: {sandbox.socket_mode.opened})"
            )


if __name__ == "__main__":
    main()
