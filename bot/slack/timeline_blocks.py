"""The timeline in Slack: the key lines as a table in the thread, every line as Markdown, and
the short lines the bot posts while it gathers a timeline (progress, counts, links).

Text typed in Slack (messages and `/postmortem event` lines) arrives with Slack's markup
(`<@U123>`, `<https://…|label>`, `&lt;`); it is turned back into plain words here, with
user ids as names (`bot.core.report_text.to_plain`), and escaped again for each output:
Slack mrkdwn by the thread reply's template, CommonMark by `bot.core.markdown` for
timeline.md. PagerDuty's words are plain already.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core import markdown as md
from bot.core.gathering import HistoryOutcome, Linked, LogOutcome, Tally
from bot.core.report_text import line_to_plain, to_plain
from bot.core.report_words import duration_words, source_words, span_words, with_markers
from bot.core.slack_text import escape
from bot.core.timeline import Gap, TimelineEntry
from bot.core.timeline_view import TimelineView
from bot.slack import limits
from bot.slack.names import UserNames
from bot.templates import Templates

SLACK_TEMPLATE = "slack/timeline.mrkdwn.j2"
MARKDOWN_TEMPLATE = "timeline.md.j2"
LATEST_WHEN_NOTHING_IS_KEY = 20
MAX_TABLE_ROWS = 40
MAX_TABLE_CELL = 60
HEADER = ("Time (UTC)", "Event", "Source", "Actor")

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Row:
    time: str
    event: str
    source: str
    actor: str
    key: bool


def slack_reply(view: TimelineView, names: UserNames, templates: Templates, reaction: str) -> str:
    """The thread reply: the key table (or the latest lines), durations, gaps, a hint."""
    key = view.key_entries
    shown = key or list(view.entries[-LATEST_WHEN_NOTHING_IS_KEY:])
    heading = "Key timeline" if key else f"Latest {len(shown)} lines (nothing is marked key yet)"
    # The key table reads as the incident went: its first lines, the rest in timeline.md.
    table_rows = rows(shown[:MAX_TABLE_ROWS] if key else shown[-MAX_TABLE_ROWS:], names)
    reply = templates.render(
        SLACK_TEMPLATE,
        heading=heading,
        title=plain(view.title, names),
        table=table(table_rows) if table_rows else "",
        more=max(0, len(shown) - MAX_TABLE_ROWS),
        durations=duration_words(view.durations),
        gaps=[gap.describe() for gap in view.gaps],
        hint=None if view.anything_marked else how_to_mark(reaction),
    )
    return limits.shorten(reply, limits.MESSAGE_TEXT)  # every line is in timeline.md


def markdown(view: TimelineView, names: UserNames, templates: Templates) -> str:
    """The full timeline, every line, as a Markdown document: every word anyone but the
    bot wrote is inert CommonMark (no HTML, no link, no table cell broken open)."""
    return templates.render(
        MARKDOWN_TEMPLATE,
        title=md.cell(plain(view.title, names)),
        rows=[_markdown_row(row) for row in rows(view.entries, names)],
        durations=duration_words(view.durations),
        started=_started(view),
        gaps=[md.inline(gap.describe()) for gap in view.gaps],
    )


def how_to_mark(reaction: str) -> str:
    return (
        f"Mark the moments that matter with a :{reaction}: reaction or a pin, or add one "
        "with `/postmortem event 14:05 what happened`."
    )


def rows(entries: Iterable[TimelineEntry], names: UserNames) -> list[Row]:
    return [
        Row(
            time=entry.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            event=_one_line(
                with_markers(entry, line_to_plain(entry.source, entry.text, names.name))
            ),
            source=source_words(entry),
            actor=names.name(entry.actor),
            key=entry.is_key,
        )
        for entry in entries
    ]


def table(table_rows: Sequence[Row]) -> str:
    """Rows as aligned columns, for a code block (cells cut short, backticks defused)."""
    raw = [HEADER, *((r.time, _cut(r.event), r.source, r.actor) for r in table_rows)]
    cells = [tuple(cell.replace("`", "'") for cell in line) for line in raw]
    widths = [max(len(line[column]) for line in cells) for column in range(3)]
    return "\n".join(
        "  ".join([*(line[i].ljust(widths[i]) for i in range(3)), line[3]]).rstrip()
        for line in cells
    )


def plain(text: str, names: UserNames) -> str:
    """Slack text as one line of plain words: mentions as names, links with their address."""
    return _one_line(to_plain(text, names.name))


def _started(view: TimelineView) -> str:
    if view.started_at is not None:
        return view.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "not known (set it with `/postmortem milestone started TIME`)"


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TABLE_CELL else text[: MAX_TABLE_CELL - 1] + "…"


def _markdown_row(row: Row) -> Row:
    return Row(
        time=row.time,
        event=md.cell(row.event),
        source=row.source,
        actor=md.cell(row.actor),
        key=row.key,
    )


def reading(tally: Tally) -> str:
    return (
        "Reading this channel's history into the timeline: "
        f"{count(tally.messages, 'message')}, {count(tally.threads, 'thread')} so far…"
    )


def reading_paused(
    tally: Tally, *, left: timedelta | None, every: float, reached: datetime | None
) -> str:
    """The progress line while Slack's rate limit spaces the history reads out: how much
    so far, how far back, the pace Slack set and the time left at that pace."""
    back = f", back to {reached.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if reached else ""
    pace = f"one history read every {_seconds_words(every)}"
    if left is None:
        eta = "how long the rest takes is not known yet"
    elif left < timedelta(minutes=1):
        eta = f"about {max(1, round(left.total_seconds()))} s left"
    else:
        eta = f"about {span_words(left)} left"
    return (
        "Reading this channel's history into the timeline: "
        f"{count(tally.messages, 'message')}, {count(tally.threads, 'thread')} so far{back}. "
        f"Slack allows {pace} here, so the rest is read in the background: {eta}. "
        "New messages are filed meanwhile."
    )


def _seconds_words(seconds: float) -> str:
    whole = round(seconds)
    if whole % 60 == 0:
        minutes = whole // 60
        return "minute" if minutes == 1 else f"{minutes} minutes"
    return f"{whole} s"


def history_read(outcome: HistoryOutcome) -> str:
    tally = outcome.tally
    counts = (
        f"{count(tally.messages, 'message')}, {count(tally.threads, 'thread')} "
        f"({tally.added:,} new)"
    )
    if outcome.gap is not None:
        return f"{warning(outcome.gap)} Kept what was read: {counts}."
    since = (
        outcome.oldest.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        if outcome.oldest
        else "the channel's start"
    )
    return f"Timeline gathered from {since}: {counts}."


def incident_linked(linked: Linked, log: LogOutcome) -> str:
    replaced = f" in place of `{escape(linked.previous)}`" if linked.previous else ""
    line = (
        f"Linked PagerDuty incident `{escape(linked.incident_id)}`{replaced}: "
        f"{count(linked.attached, 'event')} from webhooks, {log.added:,} from its log."
    )
    return f"{line}\n{warning(log.gap)}" if log.gap is not None else line


def warning(gap: Gap) -> str:
    return f":warning: {escape(gap.describe())}"


def count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
