"""The incident's metric charts as the documents draw them: SVG for the page, PNG for Slack.

One drawing, two targets: `templates/metric_chart.html.j2` makes a chart's SVG from its
geometry (`bot.core.metric_chart`); the HTML report inlines it, and Slack gets the same
SVG rasterised by resvg (a Rust renderer shipped as a wheel, no system library), every
drawable chart stacked in one image so the thread holds one picture per publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import resvg_py

from bot.core.metric_chart import Geometry, explore_url, geometry
from bot.core.metrics import MetricChart
from bot.core.milestones import Milestones
from bot.templates import Templates

CHART_TEMPLATE = "metric_chart.html.j2"
# Rendered at twice its size: crisp on high-density screens, still small (about 100 kB).
PNG_ZOOM = 2.0
GAP = 12


@dataclass(frozen=True)
class MetricFigure:
    """One chart as a document shows it: its geometry and, when GRAFANA_URL is set,
    Grafana Explore on its query over the window."""

    geometry: Geometry
    grafana: str | None = None


def figures(
    charts: Sequence[MetricChart], milestones: Milestones, *, grafana_url: str | None = None
) -> tuple[MetricFigure, ...]:
    return tuple(
        MetricFigure(
            geometry(chart, milestones), explore_url(grafana_url, chart) if grafana_url else None
        )
        for chart in charts
    )


def svg(templates: Templates, drawn: Geometry) -> str:
    return templates.render(CHART_TEMPLATE, g=drawn)


def stacked_svg(templates: Templates, drawn: Sequence[Geometry]) -> str:
    """The charts one under another in one SVG document."""
    width = max(g.width for g in drawn)
    parts, y = [], 0
    for g in drawn:
        parts.append(f'<g transform="translate(0 {y})">{svg(templates, g)}</g>')
        y += g.height + GAP
    height = y - GAP
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" '
        f'fill="#ffffff"/>{"".join(parts)}</svg>'
    )


def described(drawn: Sequence[Geometry]) -> str:
    """What the picture shows, for a screen reader: each drawable chart, its window, and
    each series' range ("Error rate (%), 2026-11-24 13:24–15:00 UTC: {service="checkout"}
    0.4% to 18%; …")."""
    parts = []
    for g in drawn:
        if g.drawable:
            ranges = "; ".join(f"{row.label} {row.minimum} to {row.maximum}" for row in g.summary)
            parts.append(f"{g.caption}: {ranges}")
    return ". ".join(parts)


def png(templates: Templates, drawn: Sequence[Geometry]) -> bytes | None:
    """The drawable charts as one PNG; None when no chart has anything to draw (the
    report's data gaps say why, and Slack gets no empty picture)."""
    shown = [g for g in drawn if g.drawable]
    if not shown:
        return None
    return bytes(resvg_py.svg_to_bytes(svg_string=stacked_svg(templates, shown), zoom=PNG_ZOOM))
