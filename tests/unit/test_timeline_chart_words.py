"""How report lines read: edits and thread replies marked, both sources named, people only."""

from __future__ import annotations

from dataclasses import replace

from bot.core.report import build
from bot.core.report_words import Names, source_words, with_markers
from bot.core.timeline import TimelineEntry
from bot.documents.render import markdown_document
from bot.templates import Templates
from tests.unit.report_samples import BOB, CAROL, NAMES, at, complete, entries


def test_an_edited_line_and_a_thread_reply_say_so_and_a_folded_app_post_names_both_sources() -> (
    None
):
    said = TimelineEntry(at(9), "slack", "C1:9", "rolled back", BOB)
    assert with_markers(said, "rolled back") == "rolled back"
    assert with_markers(replace(said, edited=True), "rolled back") == "rolled back (edited)"
    assert (
        with_markers(replace(said, in_thread=True, edited=True), "x") == "↳ in thread: x (edited)"
    )
    paged = TimelineEntry(at(4), "pagerduty", "PD1", "Escalated", None, kind="escalated")
    assert source_words(paged) == "PagerDuty"
    assert source_words(replace(paged, also_in=("slack",))) == "PagerDuty + Slack"


def test_participants_are_people_not_the_apps_that_posted_in_the_channel() -> None:
    apps = (
        TimelineEntry(at(3), "slack", "C1:3", "Monitor alert", "Datadog"),
        TimelineEntry(at(5), "slack", "C1:5", "Incident Triggered", "PagerDuty"),
        TimelineEntry(at(7), "slack", "C1:7", "deploy finished", "B0CIBOT"),
        TimelineEntry(
            at(8), "slack", "C1:8", "i see it too", CAROL, True, in_thread=True, edited=True
        ),
    )
    report = build(
        complete(entries=tuple(sorted((*entries(), *apps), key=lambda e: e.occurred_at)))
    )

    assert report.header.participants == (CAROL,)
    document = markdown_document(report, Names(NAMES), Templates(), link=None)
    assert "- **Participants:** Carol Sun" in document
    assert "↳ in thread: i see it too (edited)" in document, "a key reply, marked in the report"
