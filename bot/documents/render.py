"""The report as documents: Markdown (the file) and HTML (the shared page).

Templates get the `Report` and a `t` of helpers that turn its raw parts into safe
text for their target: people's words without Slack markup (`Names.plain`), then
escaped for Markdown by `MarkdownText`, or left to Jinja2's autoescape by
`HtmlText`. People are user ids in the report; `Names` (`bot.core.report_words`)
says who they are.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bot.core import markdown
from bot.core.factor_labels import IMMEDIATE_CHAIN, factor_label
from bot.core.report import Answered, Report
from bot.core.report_evidence import Evidence, event_anchor
from bot.core.report_facts import Window
from bot.core.report_words import (
    ANSWER_STATES,
    Names,
    duration_words,
    source_words,
    span_words,
    when,
    window_words,
)
from bot.core.timeline import TimelineEntry
from bot.core.timeline_chart import Chart, chart
from bot.documents.metric_images import MetricFigure, figures
from bot.templates import Templates

MARKDOWN_TEMPLATE = "report.md.j2"
HTML_TEMPLATE = "report.html.j2"


class _Words:
    """Helpers both documents share: names, times, spans."""

    immediate_label = factor_label(IMMEDIATE_CHAIN)

    def __init__(self, names: Names) -> None:
        self.names = names

    def anchor(self, number: int) -> str:
        return event_anchor(number)

    def when(self, moment: datetime | None) -> str:
        return when(moment)

    def window(self, window: Window) -> str:
        return window_words(window)

    def span(self, span: timedelta | None) -> str:
        return span_words(span)

    def durations(self, report: Report) -> dict[str, str]:
        return duration_words(report.timeline.durations)

    def source(self, entry: TimelineEntry) -> str:
        return source_words(entry)

    def time(self, entry: TimelineEntry) -> str:
        return entry.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")

    def state(self, answered: Answered) -> str:
        return ANSWER_STATES.get(answered.state, "")


class MarkdownText(_Words):
    """People's words made inert Markdown (`bot.core.markdown`)."""

    def text(self, raw: str | None) -> str:
        return markdown.inline(self.names.plain(raw))

    def line(self, entry: TimelineEntry) -> str:
        return markdown.inline(self.names.line(entry))

    def paragraphs(self, raw: str | None) -> str:
        return markdown.block(self.names.plain(raw))

    def name(self, user_id: str | None) -> str:
        return markdown.inline(self.names.name(user_id))

    def people(self, user_ids: tuple[str, ...]) -> str:
        return ", ".join(self.name(user) for user in user_ids) or "none recorded"

    def link(self, url: str | None) -> str | None:
        return markdown.link_target(url)

    def cell(self, raw: str) -> str:
        """Outside text that is not Slack's (a query's name, Prometheus' labels), inert."""
        return markdown.cell(raw)

    def evidence(self, cited: Evidence) -> str:
        """A link to the cited timeline row, or the citation marked not found."""
        words = markdown.inline(cited.cited)
        if cited.number is None:
            said = f"_(evidence: {words}, {markdown.inline(cited.reason)})_"
        else:
            said = f"([evidence: {words}](#{event_anchor(cited.number)}))"
        return f"{said} _({markdown.inline(cited.note)})_" if cited.note else said


class HtmlText(_Words):
    """People's words as plain text; the HTML template's autoescape makes them safe."""

    def text(self, raw: str | None) -> str:
        return " ".join(self.names.plain(raw).split())

    def line(self, entry: TimelineEntry) -> str:
        return " ".join(self.names.line(entry).split())

    def paragraphs(self, raw: str | None) -> list[str]:
        return [line.strip() for line in self.names.plain(raw).splitlines() if line.strip()]

    def name(self, user_id: str | None) -> str:
        return self.names.name(user_id)

    def people(self, user_ids: tuple[str, ...]) -> str:
        return ", ".join(self.name(user) for user in user_ids) or "none recorded"

    def cell(self, raw: str) -> str:
        return raw

    def link(self, url: str | None) -> str | None:
        """Only http(s) addresses become links: never `javascript:` from a ticket field."""
        if not url:
            return None
        parts = urlsplit(url.strip())
        return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def markdown_document(
    report: Report,
    names: Names,
    templates: Templates,
    *,
    link: str | None,
    grafana_url: str | None = None,
) -> str:
    return templates.render(
        MARKDOWN_TEMPLATE,
        report=report,
        t=MarkdownText(names),
        link=link,
        metrics=metric_figures(report, grafana_url),
    )


def html_page(
    report: Report, names: Names, templates: Templates, *, grafana_url: str | None = None
) -> str:
    text = HtmlText(names)
    return templates.render(
        HTML_TEMPLATE,
        report=report,
        t=text,
        chart=timeline_chart(report, names),
        metrics=metric_figures(report, grafana_url),
    )


def metric_figures(report: Report, grafana_url: str | None) -> tuple[MetricFigure, ...]:
    """The incident's metric charts, with the report's milestones drawn on them."""
    return figures(report.metrics, report.timeline.milestones, grafana_url=grafana_url)


def timeline_chart(report: Report, names: Names) -> Chart | None:
    """The chart of the report's timeline, its marks titled in plain words."""
    window = report.header.window
    shown = [
        replace(entry, text=" ".join(names.line(entry).split()))
        for entry in report.timeline.entries
    ]
    return chart(
        report.timeline.all_entries,
        shown,
        start=window.start,
        end=window.end,
        milestones=report.timeline.milestones,
    )
