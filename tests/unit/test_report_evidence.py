"""A factor cites a timeline line on its own: "F2: see 22:31 deploy" in the thread.

The time is the poster's own clock; the line nearest it whose text holds the words is
the one meant; a tie or nothing near gives the candidates. The report then links the
factor to the line's row in Markdown and HTML, and names it compactly in Slack.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.report import build
from bot.core.report_evidence import Attached, Citation, parse_citation, pick
from bot.core.report_words import Names
from bot.core.timeline import TimelineEntry
from bot.documents.render import html_page, markdown_document
from bot.slack.report_blocks import summary
from bot.templates import Templates
from tests.unit.report_samples import NAMES, complete, entries

BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in November


def line(hour: int, minute: int, text: str, key: str) -> TimelineEntry:
    return TimelineEntry(datetime(2026, 11, 24, hour, minute, tzinfo=UTC), "slack", key, text)


DEPLOYS = (
    line(21, 20, "deploy api 2024.06.1 started", "C1:1"),
    line(21, 31, "deploy api 2024.06.1 done", "C1:2"),
    line(21, 31, "error rate climbing", "C1:3"),
    line(21, 50, "rolled back the deploy", "C1:4"),
    line(21, 31, "deploy web 2024.06.1 done", "C1:5"),
)


def test_a_standalone_reply_naming_a_factor_and_a_time_is_a_citation() -> None:
    assert parse_citation("F2: see 22:31 deploy") == Citation(2, 22, 31, ("deploy",))
    assert parse_citation("*F0* — see 9:05 the rollback.") == Citation(0, 9, 5, ("rollback",))
    assert parse_citation("f3: see 07:00") == Citation(3, 7, 0, ())
    assert parse_citation("F2: see 10:31pm deploy") == Citation(2, 22, 31, ("deploy",))
    assert parse_citation("F1: see 12:05 a.m. rollback") == Citation(1, 0, 5, ("rollback",))
    assert parse_citation("F2: see 21:31 UTC deploy") == Citation(2, 21, 31, ("deploy",), True)
    assert parse_citation("F2: see 9:31pm gmt") == Citation(2, 21, 31, (), True)


def test_ordinary_answers_are_not_citations() -> None:
    assert parse_citation("The pool was lowered, see 22:31 deploy") is None
    assert parse_citation("F2 was the worst of it") is None
    assert parse_citation("F2: see 25:31 deploy") is None
    assert parse_citation("F2: see 13:31pm deploy") is None


def test_the_time_is_read_on_the_posters_clock_and_the_words_pick_the_line() -> None:
    found = pick(Citation(2, 22, 31, ("deploy", "api")), DEPLOYS, BERLIN)

    assert found.chosen is not None and found.chosen.text == "deploy api 2024.06.1 done"
    in_utc = pick(Citation(2, 22, 31, ("deploy", "api")), DEPLOYS, UTC)
    assert in_utc.chosen is None, "22:31 UTC is an hour past any deploy line"


def test_the_nearest_matching_line_wins_when_no_line_is_at_that_minute() -> None:
    found = pick(Citation(1, 22, 47, ("rolled",)), DEPLOYS, BERLIN)

    assert found.chosen is not None and found.chosen.source_key == "C1:4"


def test_two_lines_as_near_and_as_matching_are_candidates_not_a_guess() -> None:
    found = pick(Citation(2, 22, 31, ("deploy", "done")), DEPLOYS, BERLIN)

    assert found.chosen is None
    assert {c.source_key for c in found.candidates} == {"C1:2", "C1:5"}


def test_words_no_line_holds_offer_the_nearest_lines_instead() -> None:
    found = pick(Citation(2, 22, 31, ("failover",)), DEPLOYS, BERLIN)

    assert found.chosen is None
    assert found.candidates[0].source_key in ("C1:2", "C1:3")
    assert len(found.candidates) == len(DEPLOYS)


def test_the_report_links_an_attached_line_from_its_factor_in_every_form() -> None:
    rollback = next(e for e in entries() if "rolling back" in e.text)
    attached = (
        Attached(2, rollback.source, rollback.source_key, ("rolling",)),
        Attached(0, rollback.source, rollback.source_key, ()),
    )
    report = build(complete(evidence=attached))
    [f2] = [chain for chain in report.root_cause.chains if chain.number == 2]
    [cited] = f2.attached
    assert cited.number is not None and cited.cited == "14:00 rolling"

    document = markdown_document(report, Names(NAMES), Templates(), link=None)
    anchor = f"(#event-{cited.number})"
    assert f"Evidence for F2: ([evidence: 14:00 rolling]{anchor})" in document
    assert (
        f"**F0 — immediate cause:** A config change set the pool size to 5 ([evidence: 14:00]{anchor})"
        in document
    )
    assert f'<a id="event-{cited.number}"></a>2026-11-24 14:00' in document

    page = html_page(report, Names(NAMES), Templates())
    assert (
        f'Evidence for F2: <a class="evidence" href="#event-{cited.number}">(evidence: 14:00 rolling)</a>'
        in page
    )

    _, blocks = summary(report, Names(NAMES), Templates(), postmortem_id=1, url=None)
    wire = str(blocks)
    assert "No alert on pool saturation (evidence: 14:00 rolling)" in wire
    assert "pool size to 5 (evidence: 14:00)" in wire


def test_an_attached_line_not_among_those_shown_is_marked_not_found() -> None:
    unshown = next(e for e in entries() if "graphs" in e.text)
    report = build(complete(evidence=(Attached(1, unshown.source, unshown.source_key, ()),)))
    [cited] = report.root_cause.chains[0].attached

    document = markdown_document(report, Names(NAMES), Templates(), link=None)
    assert cited.number is None
    assert f"_(evidence: {cited.cited}, not among the timeline lines shown)_" in document
