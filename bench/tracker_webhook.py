"""How long does GitHub wait for `POST /github/webhook`'s 200, now that it is kept, not applied?

The real route (`bot.server.build_asgi`, in-process through Starlette's TestClient) on a
SQLite file: each `issues` event is verified on its raw body, parsed and recorded in the
inbox before the 200 (the item's move and the thread's line come after, from the
inbox). Before, the move was committed and `chat.postMessage` made inside the request,
so each 200 also waited on Slack. Also timed: the transaction guard's check that runs
before every Slack and HTTP call (`bot.transaction_guard.holds_connection`). Prints
figures; asserts nothing.

    python bench/tracker_webhook.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from bot import transaction_guard
from bot.config import Settings
from bot.sandbox.github_api import WEBHOOK_SECRET, GitHubState
from bot.server import build_asgi
from bot.trackers.drafts import marker
from storage import schema
from storage.db import make_engine, make_sessionmaker

REPO = "acme/checkout"


def _issues(state: GitHubState, count: int) -> None:
    for number in range(1, count + 1):
        with state.lock:
            state._create(REPO, {"title": f"AI-{number:03}", "body": marker(number)})


def measure(repeat: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        schema.upgrade(engine)
        sessions = make_sessionmaker(engine)
        settings = Settings(
            slack_bot_token="xoxb-bench",
            github_webhook_secret=WEBHOOK_SECRET,
            github_repository=REPO,
        )
        client = TestClient(build_asgi(settings, engine=engine, sessions=sessions, bolt=None))
        github = GitHubState()
        github.add_repository(REPO)
        _issues(github, repeat)
        first, again = [], []
        for number in range(1, repeat + 1):
            body, headers = github.set_state(REPO, number, "closed")
            for timings in (first, again):
                began = time.perf_counter()
                answer = client.post("/github/webhook", content=body, headers=headers)
                timings.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200, answer.text
        engine.dispose()
        return first, again


def guard_check_ns(rounds: int = 200_000) -> float:
    began = time.perf_counter()
    for _ in range(rounds):
        transaction_guard.holds_connection()
    return (time.perf_counter() - began) / rounds * 1e9


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    first, again = measure(args.repeat)
    for name, timings in (("first delivery", first), ("redelivery", again)):
        print(
            f"/github/webhook {name:<15} n={len(timings)} "
            f"p50={_p(timings, 50):.2f} ms p99={_p(timings, 99):.2f} ms"
        )
    print(f"transaction guard check before each outbound call: {guard_check_ns():.0f} ns")


if __name__ == "__main__":
    main()
