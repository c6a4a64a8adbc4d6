"""A metric chart reads as the incident: spikes survive, milestones are on it, values are told."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from bot.core.metric_chart import (
    LEFT,
    MAX_SERIES,
    PALETTE,
    RIGHT,
    WIDTH,
    downsample,
    explore_url,
    geometry,
    nice_step,
    readable,
    value_range,
)
from bot.core.metrics import MetricChart, Point, Query, Series
from bot.core.milestones import Milestone, Milestones, Name, Origin
from bot.core.timeline_chart import CHAR_WIDTH

START = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)
STEP = timedelta(seconds=15)
ERRORS = Query("Checkout error rate", 'sum(rate(http_errors_total{service="checkout"}[1m]))', "%")
COLUMNS = WIDTH - LEFT - RIGHT


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def samples(minutes: int, value: object, step: timedelta = STEP) -> tuple[Point, ...]:
    """A sample every `step` for `minutes`, valued `value(i)`."""
    count = int(timedelta(minutes=minutes) / step)
    return tuple(Point(START + step * i, value(i)) for i in range(count))  # type: ignore[operator]


def chart(*series: Series, minutes: int = 60, missing: str | None = None) -> MetricChart:
    return MetricChart(ERRORS, START, at(minutes), STEP, series, missing)


def service(name: str, points: tuple[Point, ...]) -> Series:
    return Series((("__name__", "errors"), ("service", name)), points)


def clock(**minutes: float) -> Milestones:
    return Milestones(tuple(Milestone(Name(n), at(m), Origin.PERSON) for n, m in minutes.items()))


def ys(path: str) -> list[float]:
    return [float(y) for y in re.findall(r"[ML][\d.]+ ([\d.]+)", path)]


def test_a_day_of_15_second_samples_is_drawn_two_points_a_column_and_a_spike_survives() -> None:
    # 24 h at 15 s: 5,760 points; one sample at 9.0, the rest near 1.
    spike = 3000
    day = samples(24 * 60, lambda i: 9.0 if i == spike else 1.0 + (i % 7) / 100)

    drawn = geometry(chart(service("checkout", day), minutes=24 * 60))

    line = drawn.lines[0]
    assert line.drawn <= 2 * COLUMNS, "no more than two points a pixel column"
    assert len(ys(line.path)) == line.drawn
    assert min(ys(line.path)) == drawn.plot_top + (drawn.plot_bottom - drawn.plot_top) * (
        1 - 9.0 / float(drawn.value_ticks[-1].label.rstrip("%"))
    ), "the one-sample spike is the highest point drawn"
    assert drawn.summary[0].maximum == "9%", "the table reads the full series"
    assert [tick.label for tick in drawn.time_ticks][:2] == ["11-24 15:00", "11-24 18:00"]


def test_downsampling_keeps_each_columns_lowest_and_highest_in_time_order() -> None:
    points = samples(60, lambda i: [5.0, 1.0, 9.0, 3.0][i % 4])  # 240 points
    kept = downsample(points, START, at(60), columns=10)
    assert len(kept) == 20
    assert {p.value for p in kept} == {1.0, 9.0}
    assert [p.at for p in kept] == sorted(p.at for p in kept)
    assert downsample(points, START, at(60), columns=200) == list(points), "fits: left whole"


def test_milestones_in_the_window_are_labelled_lines_that_never_collide() -> None:
    points = samples(60, lambda i: 0.5)
    marks = clock(started=20, detected=21, acknowledged=22, resolved=50)
    outside = Milestones((*marks.known, Milestone(Name.MITIGATED, at(90), Origin.PERSON)))

    drawn = geometry(chart(service("checkout", points)), outside)

    assert [m.label for m in drawn.milestones] == [
        "started",
        "detected",
        "acknowledged",
        "resolved",
    ]
    boxes = []
    for m in drawn.milestones:
        width = CHAR_WIDTH * len(f"{m.label} {m.time}")
        left = {"start": m.x, "end": m.x - width}.get(m.anchor, m.x - width / 2)
        boxes.append((m.label_y, left, left + width))
    for i, (row, left, right) in enumerate(boxes):
        for other_row, other_left, other_right in boxes[i + 1 :]:
            assert row != other_row or right <= other_left or other_right <= left
    assert len({row for row, _, _ in boxes}) > 1, "three labels within two minutes need rows"
    assert max(m.label_y for m in drawn.milestones) < drawn.plot_top, "labels sit above the plot"
    assert drawn.band_x is not None and drawn.band_x == drawn.milestones[0].x
    assert drawn.band_x + drawn.band_width == drawn.milestones[-1].x, "shaded started–resolved"
    assert geometry(chart(service("checkout", points)), clock(detected=21)).band_x is None
    assert drawn.milestone_columns == (
        "started 13:50", "detected 13:51", "acknowledged 13:52", "resolved 14:20",
    )  # fmt: skip


def test_value_ticks_are_round_numbers_with_the_unit_from_zero_for_a_rate() -> None:
    points = samples(60, lambda i: 0.8 + (3.4 if 100 < i < 140 else 0))

    drawn = geometry(chart(service("checkout", points)))

    assert [t.label for t in drawn.value_ticks] == ["0%", "1%", "2%", "3%", "4%", "5%"]
    assert drawn.value_ticks[0].y == drawn.plot_bottom and drawn.value_ticks[-1].y == drawn.plot_top
    assert value_range([200.0, 210.0])[:2] == (200.0, 210.0), "latency near 200 ms is not flattened"
    assert value_range([3.0, 3.0])[:2] == (0.0, 3.0), "a flat rate still reads from zero"
    assert value_range([0.0, 0.0])[:2] == (0.0, 1.0), "an all-zero line is not a division by 0"
    assert [nice_step(x) for x in (0.13, 3.0, 0.9, 700.0)] == [0.2, 5, 1, 1000]
    assert readable(1234.5, "req/s") == "1.23k req/s"
    assert readable(2000.0, "req/s", step=1000.0) == "2k req/s"
    assert readable(0.0, "req/s", step=1000.0) == "0 req/s" and readable(0.0, "%", step=0.2) == "0%"
    assert readable(0.25, "s") == "0.25 s"
    assert readable(0.09, "ratio") == "9%" and readable(0.02, "ratio", step=0.02) == "2%"
    ratio = geometry(MetricChart(Query("Errors", "x", "ratio"), START, at(60), STEP,
                                 (service("checkout", samples(60, lambda i: 0.09)),)))  # fmt: skip
    assert ratio.unit == "%" and ratio.value_ticks[-1].label == "10%"


def test_the_summary_gives_min_max_and_the_value_at_each_milestone_or_says_there_was_none() -> None:
    # Samples stop at minute 30 and come back at minute 40: a hole over "mitigated".
    before = samples(30, lambda i: 1.0 + i / 10)
    after = tuple(Point(p.at + timedelta(minutes=40), 0.5) for p in samples(20, lambda i: 0))
    drawn = geometry(
        chart(service("checkout", before + after)), clock(detected=10, mitigated=35, resolved=50)
    )

    row = drawn.summary[0]
    assert (row.minimum, row.maximum) == ("0.5%", "12.9%")
    assert row.at_milestones == ("5%", "no data", "0.5%")
    assert drawn.lines[0].path.count("M") == 2, "the hole breaks the line instead of bridging it"


def test_a_chart_with_nothing_to_draw_says_why_in_words() -> None:
    unreachable = geometry(chart(missing="Prometheus unreachable"))
    empty = geometry(chart(service("checkout", ())))

    assert (
        not unreachable.drawable
        and unreachable.notice == "Nothing to draw: Prometheus unreachable."
    )
    assert unreachable.plot_bottom - unreachable.plot_top < 100, "a strip, not an empty box"
    assert unreachable.value_ticks == (), "no value scale for values there are none of"
    assert empty.notice == (
        "Nothing to draw: Prometheus returned no data for this query in the window."
    )
    partial = geometry(
        chart(service("checkout", samples(60, lambda i: 1.0)), missing="retention starts 13:45")
    )
    assert partial.drawable and partial.notice == "retention starts 13:45"


def test_many_series_draw_the_highest_ten_in_distinct_colours_and_count_the_rest() -> None:
    many = [service(f"pod-{n:02}", samples(10, lambda i, n=n: float(n))) for n in range(14)]

    drawn = geometry(chart(*many, minutes=10))

    assert len(drawn.lines) == MAX_SERIES and drawn.left_out == 4
    assert drawn.lines[0].label == '{service="pod-13"}', "highest peak first; __name__ not repeated"
    assert [line.colour for line in drawn.lines[:7]] == list(PALETTE)
    assert drawn.lines[7].dash and not drawn.lines[0].dash, "colours repeat dashed"
    assert "4 more series not drawn" in drawn.caption
    assert all(LEFT <= e.x < WIDTH - RIGHT for e in drawn.legend)
    assert len({e.y for e in drawn.legend}) > 1, "the legend wraps rather than running off"
    assert drawn.height > max(e.y for e in drawn.legend)


def test_open_in_grafana_names_the_query_and_the_window() -> None:
    url = explore_url("https://grafana.example.com/", chart(minutes=90))

    parts = urlsplit(url)
    assert parts.path == "/explore"
    pane = next(iter(json.loads(parse_qs(parts.query)["panes"][0]).values()))
    assert pane["queries"][0]["expr"] == ERRORS.expr
    assert pane["range"] == {
        "from": str(int(START.timestamp() * 1000)),
        "to": str(int(at(90).timestamp() * 1000)),
    }


def test_labels_every_series_shares_are_said_once_and_a_day_long_window_is_dated() -> None:
    pods = [
        Series(
            (("pod", f"checkout-{n}"), ("service", "checkout")), samples(10, lambda i, n=n: 1.0 + n)
        )
        for n in range(3)
    ]

    drawn = geometry(chart(*pods, minutes=24 * 60))

    assert drawn.shared == 'service="checkout"'
    assert [line.label for line in drawn.lines] == [
        '{pod="checkout-2"}', '{pod="checkout-1"}', '{pod="checkout-0"}',
    ]  # fmt: skip
    assert drawn.window == "2026-11-24 13:30–11-25 13:30 UTC"
    alone = geometry(chart(pods[0]))
    assert alone.lines[0].label == '{pod="checkout-0", service="checkout"}' and not alone.shared
