"""How long, and how much memory, does charting a day of metrics take?

A 24 h window of 10 series at 15 s resolution (5,760 points each, 57,600 in all, the
incident's milestones on it), timed `--repeat` times each: the geometry
(`bot.core.metric_chart.geometry`: downsampling, ticks, labels, the summary), the SVG
(`templates/metric_chart.html.j2`) and the PNG for Slack (resvg at twice the size).
Peak memory is Python's allocations during one run of each step (tracemalloc; resvg's
own Rust buffers are not counted there, so the process's peak RSS is printed too).
Prints figures; asserts nothing.

    python bench/metric_chart.py [--series 10] [--hours 24] [--step 15] [--repeat 5]
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.metric_chart import geometry
from bot.core.metrics import MetricChart, Point, Query, Series
from bot.core.milestones import Milestone, Milestones, Name, Origin
from bot.documents.metric_images import png, svg
from bot.templates import Templates

START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def day_of_metrics(series: int, hours: int, step: int) -> MetricChart:
    """`series` pods' request rates: a daily wave, noise, and an outage at 14:00–14:40."""
    count = hours * 3600 // step
    outage = range(14 * 3600 // step, (14 * 3600 + 40 * 60) // step)
    made = []
    for n in range(series):
        points = tuple(
            Point(
                START + timedelta(seconds=step * i),
                100 + 9 * n + 40 * math.sin(i / count * 2 * math.pi) + (i * 7919 + n * 104729) % 13
                + ((250 - 20 * n) if i in outage else 0),
            )
            for i in range(count)
        )  # fmt: skip
        made.append(Series((("pod", f"checkout-{n:02}"), ("service", "checkout")), points))
    query = Query("Checkout request rate", "sum by (pod) (rate(http_requests_total[1m]))", "req/s")
    end = START + timedelta(hours=hours)
    return MetricChart(query, START, end, timedelta(seconds=step), tuple(made))


def milestones() -> Milestones:
    at = {Name.STARTED: 0, Name.DETECTED: 4, Name.ACKNOWLEDGED: 6, Name.MITIGATED: 30,
          Name.RESOLVED: 40}  # fmt: skip
    return Milestones(
        tuple(
            Milestone(name, START + timedelta(hours=14, minutes=m), Origin.PERSON)
            for name, m in at.items()
        )
    )


def measure(what: str, run: Callable[[], Any], repeat: int) -> Any:
    tracemalloc.start()
    result = run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    print(
        f"{what:<10} median {statistics.median(times):8.1f} ms   "
        f"max {max(times):8.1f} ms   peak Python memory {peak / 2**20:6.1f} MiB"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--step", type=int, default=15, help="seconds between samples")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    chart = day_of_metrics(args.series, args.hours, args.step)
    marks, templates = milestones(), Templates()
    points = sum(len(s.points) for s in chart.series)
    print(f"{args.series} series x {points // args.series} points ({points} in all), "
          f"{args.hours} h at {args.step} s")  # fmt: skip
    drawn = measure("geometry", lambda: geometry(chart, marks), args.repeat)
    picture = measure("svg", lambda: svg(templates, drawn), args.repeat)
    image = measure("png", lambda: png(templates, [drawn]), args.repeat)
    kept = sum(line.drawn for line in drawn.lines)
    print(f"points drawn {kept} of {points}; svg {len(picture) / 1024:.0f} KiB; "
          f"png {len(image) / 1024:.0f} KiB")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB (the data set included)")


if __name__ == "__main__":
    main()
