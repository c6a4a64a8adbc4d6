"""How long do reading Prometheus' answer and keeping a day of metrics take, and how big
is what is kept?

A 24 h window of 10 series at 15 s (5,760 points each, 57,600 in all), as Prometheus'
`query_range` answers it (JSON text): parsing it into series (`bot.prometheus.answers`),
keeping it (`bot.services.metrics.record`, one transaction) and reading it back for a
report (`charts_for`), each timed `--repeat` times, with the kept JSON's size and the
peak of Python's allocations for one run of each step. SQLite in a temp folder, and
PostgreSQL too when BENCH_DATABASE_URL or TEST_DATABASE_URL names a server. Prints
figures; asserts nothing.

    python bench/metric_snapshots.py [--series 10] [--hours 24] [--step 15] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.core.metrics import MetricChart, Query
from bot.prometheus import answers
from bot.services import metrics
from bot.services.metrics import Fetched, Gathered, Plan
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import Postmortem
from storage.repositories import workspaces

START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def answer_text(series: int, hours: int, step: int) -> str:
    """Prometheus' JSON for `series` pods' error ratios: a daily wave and an outage."""
    count = hours * 3600 // step
    result = []
    for n in range(series):
        values = []
        for i in range(count):
            wave = 0.01 + 0.005 * math.sin(2 * math.pi * i / count + n)
            outage = 0.2 if 14 * 3600 <= i * step < 14 * 3600 + 2400 else 0.0
            values.append([START.timestamp() + i * step, f"{wave + outage:.6g}"])
        result.append({"metric": {"service": "checkout", "pod": f"checkout-{n}"}, "values": values})
    return json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}})


def timed(run: Callable[[], Any], repeat: int) -> tuple[list[float], int, Any]:
    """Seconds of each run, the peak bytes Python allocated in the first, its result."""
    tracemalloc.start()
    began = time.perf_counter()
    result = run()
    times = [time.perf_counter() - began]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    for _ in range(repeat - 1):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return times, peak, result


def _postmortem(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        workspaces.ensure(session, "T0BENCH")
        row = Postmortem(
            team_id="T0BENCH", channel_id="C0B", title="bench", lead_user_id="U0", created_by="U0"
        )
        session.add(row)
        session.flush()
        return row.id


def bench_database(url: str, chart: MetricChart, repeat: int) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    sessions = make_sessionmaker(engine)
    postmortem_id = _postmortem(sessions)
    plan = Plan(postmortem_id, "checkout", chart.start, chart.end, chart.step)
    gathered = Gathered(plan, charts=(Fetched(chart),))

    def keep() -> None:
        with sessions.begin() as session:
            metrics.record(session, gathered, now=NOW)

    def read() -> tuple[MetricChart, ...]:
        with sessions() as session:
            return metrics.charts_for(session, postmortem_id)

    report("keep (record)", *timed(keep, repeat)[:2])
    times, peak, charts = timed(read, repeat)
    report("read (charts_for)", times, peak)
    points = sum(len(s.points) for s in charts[0].series)
    kept = len(metrics.dump_series(charts[0].series))
    print(f"    kept {points:,} points in {kept / 1e6:.2f} MB of JSON")
    engine.dispose()


def report(step: str, times: list[float], peak: int) -> None:
    median, worst = statistics.median(times) * 1000, max(times) * 1000
    print(f"  {step:<20} median {median:8.1f} ms   max {worst:8.1f} ms   peak {peak / 1e6:6.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--step", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = answer_text(args.series, args.hours, args.step)
    print(
        f"{args.series} series x {args.hours} h at {args.step} s: answer {len(text) / 1e6:.2f} MB"
    )
    times, peak, series = timed(lambda: answers.matrix(json.loads(text)), args.repeat)
    report("parse the answer", times, peak)
    end = START + timedelta(hours=args.hours)
    chart = MetricChart(
        Query("Error ratio", "errors"), START, end, timedelta(seconds=args.step), series
    )
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as folder:
        print("SQLite")
        bench_database(f"sqlite:///{folder}/bench.db", chart, args.repeat)
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if postgres:
        with schema.scratch_postgres_schema(postgres) as url:
            print("PostgreSQL")
            bench_database(url, chart, args.repeat)


if __name__ == "__main__":
    main()
