"""How long does `POST /alertmanager/webhook` take to keep and file a notification?

The real route (`bot.server.build_asgi`, in-process through Starlette's TestClient) on a
SQLite file: each notification is verified, parsed, kept and filed on every open
post-mortem whose window and service it matches, then committed, before its 200. Rows:
open post-mortems that may take it (single-workspace mode, none naming a service: the
most work, each one's milestones are read), alerts in the group, first delivery or a
resend. Prints figures; asserts nothing.

    python bench/alertmanager_webhook.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.config import Settings
from bot.sandbox.alertmanager_notify import TOKEN, notification
from bot.server import build_asgi
from bot.services import postmortems
from storage import schema
from storage.db import make_engine, make_sessionmaker

NOW = datetime.now(UTC).replace(microsecond=0)


def _open(sessions: sessionmaker[Session], count: int) -> None:
    with sessions.begin() as session:
        for n in range(count):
            postmortems.start(
                session,
                team_id="T0BENCH",
                channel_id=f"C{n:08}",
                user_id="U0LEAD",
                title=f"incident {n}",
                now=NOW - timedelta(minutes=30),
            )


def _group(alerts: int, run: int) -> dict[str, object]:
    """One group of `alerts` firing alerts, new labels on each run (a first delivery)."""
    body = notification(
        {"alertname": "CheckoutErrors", "service": "checkout", "pod": f"r{run}-0"},
        {"summary": "Checkout 5xx above 5%"},
        starts_at=NOW - timedelta(minutes=5),
    )
    first: dict[str, Any] = body["alerts"][0]  # type: ignore[index]
    body["alerts"] = [
        {
            **first,
            "labels": {**first["labels"], "pod": f"r{run}-{i}"},
            "fingerprint": f"{run:08x}{i:08x}",
        }
        for i in range(alerts)
    ]
    return body


def measure(postmortem_count: int, alerts: int, repeat: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        sessions = make_sessionmaker(engine)
        _open(sessions, postmortem_count)
        settings = Settings(slack_bot_token="xoxb-bench", alertmanager_webhook_token=TOKEN)
        client = TestClient(build_asgi(settings, engine=engine, sessions=sessions, bolt=None))
        headers = {"authorization": f"Bearer {TOKEN}"}
        first: list[float] = []
        again: list[float] = []
        for run in range(repeat):
            body = _group(alerts, run)
            for timings in (first, again):
                began = time.perf_counter()
                answer = client.post("/alertmanager/webhook", json=body, headers=headers)
                timings.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200, answer.text
        engine.dispose()
        return first, again


def _row(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    return f"{label:<44} p50 {p50:7.1f} ms   max {ordered[-1]:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for postmortem_count, alerts in ((0, 1), (1, 1), (50, 1), (1, 100), (50, 100)):
        first, again = measure(postmortem_count, alerts, args.repeat)
        shape = f"{postmortem_count} open post-mortems, {alerts} alerts"
        print(_row(f"{shape}, first", first))
        print(_row(f"{shape}, resend", again))


if __name__ == "__main__":
    main()
