"""Weekly digests at scale: 10,000 open items, 2,000 owners, three senders on PostgreSQL.

    python bench/reminders.py [--database-url URL] [--owners 2000] [--items 10000]
                              [--senders 3] [--rate-window 0.5]

Seeds a fresh PostgreSQL schema through the storage layer, starts the sandbox
with Slack's per-method budgets over a short window, then runs `--senders`
`postmortem-bot remind --at` processes at once for the same due set. Prints the
DMs sent (one per owner is right), duplicates (zero is right), the wall time,
and beside it the floor the sandbox's rate limits impose. Asserts nothing about
speed.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import bot_environment, free_port
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Postmortem, Workspace

TEAM = "T0SANDBOX"
# Monday 20:00 UTC: the 09:00 digest is due, within its day, in every one of these zones.
AT = datetime(2030, 3, 4, 20, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo")
ITEMS_PER_POSTMORTEM = 20


def main() -> int:
    args = _arguments()
    with (
        schema.scratch_postgres_schema(args.database_url, "bench") as url,
        Sandbox(args.rate_window) as sandbox,
    ):
        owners = [f"U{n:08d}" for n in range(args.owners)]
        for n, owner in enumerate(owners):
            sandbox.slack.add_user(owner, owner.lower(), tz=ZONES[n % len(ZONES)])
        seeded = time.monotonic()
        _seed(url, owners, args.items)
        print(
            f"seeded {args.items} open items for {args.owners} owners "
            f"in {time.monotonic() - seeded:.1f} s"
        )
        wall, outputs = _run_senders(sandbox, url, args.senders)
        _report(sandbox, args, wall, outputs)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--owners", type=int, default=2000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=3)
    parser.add_argument("--rate-window", type=float, default=0.5, metavar="SECONDS")
    return parser.parse_args()


def _seed(url: str, owners: list[str], items: int) -> None:
    """Published post-mortems (no nudges, reviews weeks away) holding every item."""
    engine = make_engine(url)
    published = AT - timedelta(days=2)
    postmortems = [
        {
            "team_id": TEAM,
            "channel_id": f"C{n:08d}",
            "title": f"Incident {n}",
            "status": "published",
            "lead_user_id": owners[n % len(owners)],
            "created_by": owners[n % len(owners)],
            "created_at": published,
            "updated_at": published,
            "published_at": published,
        }
        for n in range(-(-items // ITEMS_PER_POSTMORTEM))
    ]
    with make_sessionmaker(engine).begin() as session:
        session.add(Workspace(team_id=TEAM))
        session.flush()
        ids = list(session.scalars(insert(Postmortem).returning(Postmortem.id), postmortems))
        rows = [
            _item(n, ids[n // ITEMS_PER_POSTMORTEM], owners[n % len(owners)]) for n in range(items)
        ]
        session.execute(insert(ActionItem), rows)
    engine.dispose()


def _item(n: int, postmortem_id: int, owner: str) -> dict[str, object]:
    deadline = date(2030, 3, 4) + timedelta(days=random.randint(-20, 40))
    return {
        "team_id": TEAM,
        "postmortem_id": postmortem_id,
        "number": n % ITEMS_PER_POSTMORTEM + 1,
        "action": f"Add the missing alert {n} to the service dashboard",
        "owner_id": owner,
        "deadline": deadline,
        "priority": "High",
        "status": "open",
        "created_at": AT - timedelta(days=3),
        "updated_at": AT - timedelta(days=3),
    }


def _run_senders(sandbox: Sandbox, url: str, senders: int) -> tuple[float, list[str]]:
    env = bot_environment(sandbox, url, free_port())
    command = [sys.executable, "-m", "bot", "remind", "--at", AT.isoformat()]
    started = time.monotonic()
    running = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        for _ in range(senders)
    ]
    outputs = [process.communicate(timeout=600)[0] for process in running]
    return time.monotonic() - started, outputs


def _report(sandbox: Sandbox, args: argparse.Namespace, wall: float, outputs: list[str]) -> None:
    calls = sandbox.slack.calls
    posts = Counter(
        str(c.params.get("channel"))
        for c in calls
        if c.method == "chat.postMessage" and c.status == 200 and c.error is None
    )
    dm_posts = {channel: n for channel, n in posts.items() if channel.startswith("D")}
    answered = Counter(c.method for c in calls if c.status == 200)
    throttled = Counter(c.method for c in calls if c.status == 429)
    floors = {
        method: sandbox.slack.rate_floor_seconds(method, answered[method])
        for method in ("conversations.open", "users.info")
    }
    # chat.postMessage's budget is per channel, and each DM is a channel of its own.
    floors["chat.postMessage"] = sandbox.slack.rate_floor_seconds("chat.postMessage", 1)
    floor = max(floors.values())
    print(f"senders: {args.senders} processes on PostgreSQL, rate window {args.rate_window} s")
    print(f"DMs sent: {len(dm_posts)} (owners: {args.owners})")
    print(f"duplicates: {sum(dm_posts.values()) - len(dm_posts)}")
    print(f"wall time: {wall:.1f} s")
    for method, seconds in floors.items():
        per = " per channel" if method == "chat.postMessage" else ""
        print(
            f"  floor {method:<19} {answered[method]:>5} calls,"
            f" {sandbox.slack.limits.get(method)}{per}/window: {seconds:.1f} s"
            f"  (429s: {throttled[method]})"
        )
    print(
        f"rate-limit floor: {floor:.1f} s; wall time / floor: {wall / floor:.2f}"
        if floor
        else "rate-limit floor: 0 s"
    )
    for n, output in enumerate(outputs, start=1):
        digest_line = next((line for line in output.splitlines() if line.startswith("digests")), "")
        print(f"  sender {n}: {digest_line}")


if __name__ == "__main__":
    sys.exit(main())
