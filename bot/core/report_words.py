"""How the report's parts read as words, alike in its Slack summary and in its documents.

People are user ids in the report; `Names` says who they are (as Slack gave the
names) and turns their Slack-marked-up words into plain ones. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.core.report import Report
from bot.core.report_facts import Window
from bot.core.report_text import is_user_id, line_to_plain, mentioned, to_plain
from bot.core.timeline import Durations, TimelineEntry

ANSWER_STATES = {"skipped": "Skipped in the interview.", "missing": "Not answered yet."}
SOURCE_LABELS = {
    "slack": "Slack",
    "pagerduty": "PagerDuty",
    "manual": "Manual",
    "monitoring": "Monitoring",
}


class Names:
    """Display names for user ids, as Slack gave them; an unknown id shows as itself."""

    def __init__(self, known: Mapping[str, str]) -> None:
        self.known = dict(known)

    def name(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        return self.known.get(user_id, user_id)

    def plain(self, text: str | None) -> str:
        return to_plain(text or "", self.name)

    def line(self, entry: TimelineEntry) -> str:
        """A timeline line's words (PagerDuty's are not Slack markup), marked as edited or
        as a thread reply (`with_markers`)."""
        return with_markers(entry, line_to_plain(entry.source, entry.text, self.name))


THREAD_MARKER = "↳ in thread:"
EDITED_MARKER = "(edited)"


def with_markers(entry: TimelineEntry, words: str) -> str:
    """A line's words as a reader should take them: "↳ in thread: …" for a reply in a
    thread, "… (edited)" for a message changed after it was sent."""
    before = f"{THREAD_MARKER} " if entry.in_thread else ""
    after = f" {EDITED_MARKER}" if entry.edited else ""
    return f"{before}{words}{after}"


def source_words(entry: TimelineEntry) -> str:
    """Where a line came from: "PagerDuty", or "PagerDuty + Slack" when PagerDuty's Slack
    app posted the same change (`bot.core.app_posts`)."""
    return " + ".join(
        SOURCE_LABELS.get(source, source) for source in (entry.source, *entry.also_in)
    )


def people_in(report: Report) -> set[str]:
    """Every user id the rendered report names: header, owners, actors and mentions."""
    header = report.header
    shown = report.timeline.entries
    ids = {header.lead_id, *header.authors, *header.participants}
    ids |= {item.owner_id for item in report.items if item.owner_id}
    ids |= {entry.actor for entry in shown if entry.actor}
    answers = (
        report.summary,
        report.impact,
        report.timeline.detection,
        report.root_cause.immediate,
    )
    texts = [a.text for a in (*answers, report.went_well, report.lessons)]
    texts += [chain.text for chain in report.root_cause.chains]
    texts += [item.action for item in report.items] + [entry.text for entry in shown]
    return {user for user in ids | mentioned(texts) if is_user_id(user)}


def names_for(report: Report, lookup: Callable[[str], str]) -> Names:
    """Ask `lookup` (Slack's users.info, through `UserNames`) once for each person named."""
    return Names({user: lookup(user) for user in sorted(people_in(report))})


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"


def window_words(window: Window) -> str:
    """ "2026-11-24 13:50–14:42 UTC", the end's date shown only when it differs."""
    start, end = window.start, window.end
    if start is None:
        return "unknown"
    if end is None:
        return f"{when(start)} – (not resolved in the timeline)"
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    end_format = "%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M"
    return f"{start.strftime('%Y-%m-%d %H:%M')}–{end.strftime(end_format)} UTC"


def span_words(span: timedelta | None) -> str:
    """ "7 min", "1 h 05 min"; "unknown" without a span."""
    if span is None:
        return "unknown"
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


DURATION_KEYS = {
    "ttd": "to_detect",
    "tta": "to_acknowledge",
    "ttm": "to_mitigate",
    "ttr": "to_resolve",
}


def duration_words(durations: Durations) -> dict[str, str]:
    """Time to detect, acknowledge, mitigate and resolve, in words; an unknown one says
    which milestone is missing ("unknown — set `started`")."""
    words = {}
    for key, field in DURATION_KEYS.items():
        said = span_words(getattr(durations, field))
        why = durations.why_unknown(field)
        words[key] = f"{said} — {why}" if said == "unknown" and why else said
    return words
