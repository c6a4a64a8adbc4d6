"""How long does the report take to render for a post-mortem with 10,000 timeline events?

Seeds a migrated SQLite database with one post-mortem: 10,000 timeline events over
eight hours (one in `--key-every` marked key, plus the milestones), a full interview,
five why-chains and twenty action items. Then times, each `--repeat` times: assembling
the report from the database (one read transaction), the Markdown document, the HTML
page (with its SVG chart), and the Slack Block Kit summary. Prints figures; asserts nothing.

    python bench/report_render.py [--events 10000] [--key-every 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.core.report_words import Names
from bot.documents.render import html_page, markdown_document
from bot.services import report as report_service
from bot.slack.report_blocks import summary
from bot.templates import Templates
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Answer, Factor, Postmortem, TimelineEvent
from storage.repositories import workspaces

TEAM, CHANNEL = "T0BENCH", "C0BENCH"
START = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
PEOPLE = {f"U0P{n:03d}": f"Person {n}" for n in range(12)}
KINDS = {0: "trigger", 1: "acknowledged", 5000: "mitigated", 9999: "resolved"}


def seed(sessions: sessionmaker[Session], events: int, key_every: int) -> int:
    with sessions.begin() as session:
        workspaces.ensure(session, TEAM)
        pm = Postmortem(team_id=TEAM, channel_id=CHANNEL, title="Checkout 500s", severity="P1",
                        lead_user_id="U0P000", created_by="U0P000", thread_ts="1.0")  # fmt: skip
        session.add(pm)
        session.flush()
        people = list(PEOPLE)
        step = timedelta(hours=8) / events
        session.add_all(
            TimelineEvent(
                team_id=TEAM, postmortem_id=pm.id, occurred_at=START + step * n,
                source="pagerduty" if n in KINDS else "slack", source_key=f"e{n}",
                text=f"<@{people[n % 12]}> checking shard {n % 97}: p99 {100 + n % 900} ms | ok",
                actor=people[n % 12], is_key=n % key_every == 0, kind=KINDS.get(n),
            )
            for n in range(events)
        )  # fmt: skip
        _interview(session, pm.id)
        return pm.id


def _interview(session: Session, postmortem_id: int) -> None:
    rows: list[Any] = []
    for n, question in enumerate(("summary", "impact", "detection", "went_well", "lessons")):
        rows.append(Answer(team_id=TEAM, postmortem_id=postmortem_id, question=question,
                           text=f"{question}: " + "words " * 40, author_id=f"U0P00{n}",
                           message_ts=f"2.{n}"))  # fmt: skip
    for chain in range(6):
        rows.append(Factor(team_id=TEAM, postmortem_id=postmortem_id, chain=chain,
                           layer="immediate" if chain == 0 else "contributing",
                           kind="monitoring", text=f"deepest answer of chain {chain}"))  # fmt: skip
    for n in range(1, 21):
        rows.append(ActionItem(team_id=TEAM, postmortem_id=postmortem_id, number=n,
                               action=f"add alert {n} to the checkout dashboard",
                               owner_id=f"U0P{n % 12:03d}", deadline=date(2026, 12, 4),
                               priority="High"))  # fmt: skip
    session.add_all(rows)


def timed(repeat: int, work: Callable[[], Any]) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def line(label: str, times: list[float], size: str) -> None:
    print(
        f"{label:<28} median {statistics.median(times):8.1f} ms   "
        f"min {min(times):8.1f} ms   max {max(times):8.1f} ms   {size}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--key-every", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        schema.upgrade(engine)
        sessions = make_sessionmaker(engine)
        postmortem_id = seed(sessions, args.events, args.key_every)
        now = START + timedelta(hours=20)

        def assemble() -> Any:
            with sessions.begin() as session:
                return report_service.assemble(session, postmortem_id, now=now)

        templates, names = Templates(), Names(PEOPLE)
        assembled, report = timed(args.repeat, assemble)
        markdown, document = timed(
            args.repeat, lambda: markdown_document(report, names, templates, link="http://x/p/t")
        )
        html, page = timed(args.repeat, lambda: html_page(report, names, templates))
        slack, message = timed(
            args.repeat,
            lambda: summary(report, names, templates, postmortem_id=postmortem_id, url="http://x"),
        )
        engine.dispose()
    print(
        f"report of {report.timeline.total} timeline events "
        f"({len(report.timeline.entries)} key), {len(report.items)} action items, "
        f"{args.repeat} runs each"
    )
    line("assemble from SQLite", assembled, f"{report.checklist.score} checks hold")
    line("Markdown document", markdown, f"{len(document) / 1024:.0f} KiB")
    line("HTML page with SVG chart", html, f"{len(page) / 1024:.0f} KiB")
    line("Slack Block Kit summary", slack, f"{len(json.dumps(message[1])) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
