"""The incident's metrics in the report: a table in Markdown, an inline chart on the page, a PNG
for Slack; a chart with nothing to draw says why in each, and outside text stays inert."""

from __future__ import annotations

import re
import struct
from datetime import timedelta
from html import unescape

from markdown_it import MarkdownIt

from bot.core.metrics import MetricChart, Point, Query, Series
from bot.core.milestones import Milestones
from bot.core.report import build
from bot.core.report_words import Names
from bot.documents.metric_images import described, figures, png
from bot.documents.render import html_page, markdown_document
from bot.flows.publishing import chart_upload
from bot.services.report import Target
from bot.slack.limits import FILE_ALT_TEXT
from bot.templates import Templates
from tests.unit.report_samples import NAMES, at, complete

STEP = timedelta(seconds=15)
ERRORS = Query("Checkout error rate", 'sum(rate(http_errors_total{service="checkout"}[1m]))', "%")
LATENCY = Query("Checkout p99 latency", "histogram_quantile(0.99, …)", "s")
# A label value as an attacker could set it on their own exporter.
NASTY = "<img src=x onerror=alert(1)> | *bold*"


def error_rate() -> MetricChart:
    """13:40–14:40 around the sample incident (13:50–14:30): errors up from 13:54 to 14:20."""
    points = tuple(Point(at(-10) + STEP * i, 6.0 if 56 <= i < 120 else 0.4) for i in range(240))
    calm = tuple(Point(p.at, 0.1) for p in points)
    series = (
        Series((("service", "checkout"),), points),
        Series((("service", NASTY),), calm),
    )
    return MetricChart(ERRORS, at(-10), at(50), STEP, series)


def unreachable() -> MetricChart:
    return MetricChart(LATENCY, at(-10), at(50), STEP, (), "Prometheus unreachable")


def report(*charts: MetricChart):  # type: ignore[no-untyped-def]
    return build(complete(metrics=charts))


def test_the_markdown_report_tabulates_min_max_and_the_value_at_each_milestone() -> None:
    text = markdown_document(
        report(error_rate(), unreachable()), Names(NAMES), Templates(), link=None
    )

    section = text[text.index("### Metrics") : text.index("## Contributing Factors")]
    html = MarkdownIt("commonmark").enable("table").render(section)
    rows = [
        [unescape(cell) for cell in re.findall(r"<t[hd]>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    ]
    assert rows[0][:3] == ["Series", "Min", "Max"]
    assert any(h.startswith("At resolved") for h in rows[0]), rows[0]
    checkout = next(r for r in rows if r[0] == '{service="checkout"}')
    assert checkout[1:3] == ["0.4%", "6%"]
    nasty = next(r for r in rows if "onerror" in r[0])
    assert len(nasty) == len(rows[0]), "a pipe in a label does not open a column"
    assert "<img" not in html and "&lt;img" in html, "a label's markup is shown, never rendered"
    assert "_Nothing to draw: Prometheus unreachable._" in section
    assert "Grafana" not in section, "no GRAFANA_URL, no link"


def test_the_page_inlines_each_chart_with_its_milestones_and_escapes_labels() -> None:
    page = html_page(
        report(error_rate(), unreachable()),
        Names(NAMES),
        Templates(),
        grafana_url="https://grafana.example.com",
    )

    charts = re.findall(r'<svg class="metric-chart".*?</svg>', page, flags=re.S)
    assert len(charts) == 2
    drawn, empty = charts
    assert drawn.count('class="series"') == 2
    labels = re.findall(r'class="metric-milestone-label"[^>]*>([^<]+)<', drawn)
    assert [label.split()[0] for label in labels][-1] == "resolved"
    assert "Nothing to draw: Prometheus unreachable." in empty and 'class="series"' not in empty
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count("https://grafana.example.com/explore?") == 2


def test_slack_gets_one_png_of_the_drawable_charts_and_none_when_nothing_is_drawable() -> None:
    drawn = [
        f.geometry
        for f in figures((error_rate(), unreachable()), build(complete()).timeline.milestones)
    ]

    image = png(Templates(), drawn)

    assert image is not None and image.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", image[16:24])
    assert width == 2 * drawn[0].width, "drawn at twice the chart's size"
    assert height == 2 * drawn[0].height, "only the drawable chart is in the picture"
    assert png(Templates(), drawn[1:]) is None


def test_the_pictures_description_names_each_series_range_and_fits_slacks_limit() -> None:
    drawn = [f.geometry for f in figures((error_rate(), unreachable()), Milestones())]
    words = described(drawn)
    assert words.startswith("Checkout error rate (%), 2026-11-24 13:40–14:40 UTC: ")
    assert '{service="checkout"} 0.4% to 6%' in words and "latency" not in words

    many = MetricChart(
        ERRORS,
        at(-10),
        at(50),
        STEP,
        tuple(
            Series((("pod", f"checkout-{'x' * 50}-{n}"),), (Point(at(0), float(n)),))
            for n in range(10)
        ),
    )
    target = Target(1, "C1", "1.0", "t", "2.0", None, None, None, None, 0)
    upload = chart_upload(
        target,
        report(many),
        b"png",
        "2.0",
        alt_text=described([figures((many,), Milestones())[0].geometry] * 3),
    )
    assert len(described([figures((many,), Milestones())[0].geometry] * 3)) > FILE_ALT_TEXT
    assert upload.alt_text is not None and len(upload.alt_text) <= FILE_ALT_TEXT
    assert upload.filename.startswith("metrics-") and upload.filename.endswith(".png")
