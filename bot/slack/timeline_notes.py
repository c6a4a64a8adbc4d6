"""The short lines the bot posts while it gathers a timeline: progress, counts, links."""

from __future__ import annotations

from datetime import UTC

from bot.core.gathering import HistoryOutcome, Linked, LogOutcome, Tally
from bot.core.slack_text import escape
from bot.core.timeline import Gap


def reading(tally: Tally) -> str:
    return (
        "Reading this channel's history into the timeline: "
        f"{count(tally.messages, 'message')}, {count(tally.threads, 'thread')} so far…"
    )


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
