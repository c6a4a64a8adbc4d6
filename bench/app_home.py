"""How long does drawing a person's App Home take in a busy workspace?

Seeds a migrated SQLite database (or, with BENCH_DATABASE_URL, PostgreSQL) with
`--postmortems` post-mortems of `--events` timeline lines each, spoken by twelve people;
the person measured owns `--items` open action items and spoke in every other
post-mortem. Then times, `--repeat` times: reading the Home (`bot.services.home.home`,
one read transaction: the items, the post-mortems they took part in and how many) and
drawing its view (`bot.slack.home_blocks.home_view`). Prints figures; asserts nothing.

    python bench/app_home.py [--postmortems 300] [--events 300] [--items 60] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.services import home as home_service
from bot.slack import home_blocks
from bot.templates import Templates
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Postmortem, TimelineEvent
from storage.repositories import workspaces

TEAM, PERSON = "T0BENCH", "U0P001"
START = datetime(2026, 11, 1, tzinfo=UTC)
PEOPLE = [f"U0P{n:03d}" for n in range(12)]


def seed(sessions: sessionmaker[Session], postmortems: int, events: int, items: int) -> None:
    with sessions.begin() as session:
        workspaces.ensure(session, TEAM)
        for n in range(postmortems):
            pm = Postmortem(team_id=TEAM, channel_id=f"C0B{n:05d}", title=f"Incident {n}",
                            lead_user_id=PEOPLE[(n % 5) + 2], created_by=PEOPLE[2],
                            created_at=START + timedelta(hours=n))  # fmt: skip
            session.add(pm)
            session.flush()
            speakers = PEOPLE if n % 2 == 0 else PEOPLE[2:]  # PERSON speaks in every other one
            session.add_all(
                TimelineEvent(team_id=TEAM, postmortem_id=pm.id, source="slack",
                              occurred_at=START + timedelta(hours=n, seconds=e),
                              source_key=f"{n}.{e}", text=f"line {e}",
                              actor=speakers[e % len(speakers)])
                for e in range(events)
            )  # fmt: skip
            if n < items:
                session.add(ActionItem(team_id=TEAM, postmortem_id=pm.id, number=1,
                                       action=f"add alert {n}", owner_id=PERSON,
                                       deadline=date(2026, 12, 1) + timedelta(days=n),
                                       priority="High"))  # fmt: skip


def timed(sessions: sessionmaker[Session], templates: Templates) -> tuple[float, float, int]:
    started = time.perf_counter()
    with sessions() as session:
        home = home_service.home(
            session, TEAM, PERSON, today=date(2026, 12, 1), url_of=lambda token: None
        )
    read = time.perf_counter()
    view = home_blocks.home_view(templates, home)
    drawn = time.perf_counter()
    return (read - started) * 1000, (drawn - read) * 1000, len(view["blocks"])


def run(url: str, args: argparse.Namespace) -> dict[str, object]:
    engine = make_engine(url)
    schema.upgrade(engine)
    sessions = make_sessionmaker(engine)
    seed(sessions, args.postmortems, args.events, args.items)
    templates = Templates()
    timed(sessions, templates)  # warm: templates compiled, caches filled
    runs = [timed(sessions, templates) for _ in range(args.repeat)]
    engine.dispose()
    return {
        "database": url.split(":", 1)[0],
        "timeline_rows": args.postmortems * args.events,
        "read_ms_p50": round(statistics.median(r[0] for r in runs), 2),
        "read_ms_max": round(max(r[0] for r in runs), 2),
        "draw_ms_p50": round(statistics.median(r[1] for r in runs), 2),
        "blocks": runs[0][2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postmortems", type=int, default=300)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(run(f"sqlite:///{folder}/bench.db", args)))
    if os.environ.get("BENCH_DATABASE_URL"):
        print(json.dumps(run(os.environ["BENCH_DATABASE_URL"], args)))


if __name__ == "__main__":
    main()
