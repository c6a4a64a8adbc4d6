"""A factor cites a timeline line on its own: "F2: see 22:31 deploy" in the thread.

The time is the poster's own clock; the line nearest it whose text holds the words is
the one meant; a tie or nothing near gives the candidates. The report then links the
factor to the line's row in Markdown and HTML, and names it compactly in Slack.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.report import Report, build
from bot.core.report_evidence import Attached, Citation, Evidence, cite, parse_citation, pick
from bot.core.report_facts import AnswerFact
from bot.core.report_words import Names
from bot.core.timeline import TimelineEntry
from bot.documents.render import html_page, markdown_document
from bot.slack.report_blocks import summary
from bot.templates import Templates
from tests.unit.report_samples import NAMES, answers, complete, entries

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


# -- a `see 14:31 deploy` inside a why answer: read on its author's clock ---------------

LA_USER = "U0LAPAT"
LA = "America/Los_Angeles"  # UTC-8 in November: 14:31 there is 22:31 UTC
NIGHT = (
    line(22, 10, "deploy api 2024.06.1 started", "C1:21"),
    line(22, 31, "deploy api 2024.06.1 done", "C1:22"),
    line(22, 40, "error rate climbing", "C1:23"),
)
TWIN = line(22, 31, "deploy web 2024.06.1 done", "C1:24")


def _report_citing(
    text: str, *, zones: dict[str, str], shown: tuple[TimelineEntry, ...] = NIGHT
) -> tuple[Report, tuple[Evidence, ...]]:
    """The sample report whose F2 why #2 is `text`, by the Los Angeles user."""
    answer = AnswerFact(40, "why", text, LA_USER, 2, 2)
    facts = complete(answers=(*answers(), answer), entries=shown, key_entries=shown, zones=zones)
    report = build(facts)
    [f2] = [chain for chain in report.root_cause.chains if chain.number == 2]
    [level] = [level for level in f2.levels if level.depth == 2]
    return report, level.evidence


def _forms(report: Report) -> tuple[str, str, str]:
    document = markdown_document(report, Names(NAMES), Templates(), link=None)
    page = html_page(report, Names(NAMES), Templates())
    _, blocks = summary(report, Names(NAMES), Templates(), postmortem_id=1, url=None)
    return document, page, str(blocks)


def test_a_los_angeles_answer_citing_its_local_time_links_the_utc_line_in_every_form() -> None:
    report, [cited] = _report_citing("The pool shrank, see 14:31 deploy", zones={LA_USER: LA})

    assert cited.number == 2, "14:31 in Los Angeles is the 22:31 UTC deploy line"
    document, page, wire = _forms(report)
    note = "14:31 America/Los_Angeles time"
    escaped = note.replace("_", "\\_")  # Markdown's own underscore, inert
    assert f"([evidence: 14:31 deploy](#event-2)) _({escaped})_" in document
    assert '<a id="event-2"></a>2026-11-24 22:31' in document
    assert (
        f'href="#event-2">(evidence: 14:31 deploy)</a> <span class="none">({note})</span>' in page
    )
    assert "(evidence: 14:31 deploy (America/Los_Angeles))" in wire


def test_a_citation_that_says_utc_reads_utc_whatever_the_authors_zone() -> None:
    report, [cited] = _report_citing("see 22:31 UTC deploy", zones={LA_USER: LA})

    assert (cited.number, cited.note) == (2, "")
    document, page, wire = _forms(report)
    assert "([evidence: 22:31 deploy](#event-2))" in document
    assert 'href="#event-2">(evidence: 22:31 deploy)</a>' in page
    assert "(evidence: 22:31 deploy)" in wire


def test_the_same_local_time_read_as_utc_would_have_linked_nothing() -> None:
    _, [cited] = _report_citing("see 14:31 deploy", zones={})

    assert cited.number is None, "14:31 UTC is hours from any deploy line"
    assert cited.note == "read as UTC: the author's time zone is not known"


def test_an_author_without_a_stored_zone_is_read_as_utc_and_the_report_says_so() -> None:
    report, [cited] = _report_citing("see 22:31 deploy", zones={})

    assert cited.number == 2
    document, page, wire = _forms(report)
    assert (
        "([evidence: 22:31 deploy](#event-2)) _(read as UTC: the author's time zone is not known)_"
        in document
    )
    assert (
        '<span class="none">(read as UTC: the author&#39;s time zone is not known)</span>' in page
    )
    assert "(evidence: 22:31 deploy (read as UTC))" in wire


def test_two_lines_as_near_and_as_matching_link_neither_and_the_report_says_why() -> None:
    shown = (*NIGHT, TWIN)
    report, [cited] = _report_citing("see 2:31pm deploy done", zones={LA_USER: LA}, shown=shown)

    assert cited.number is None
    document, page, wire = _forms(report)
    tie = "2 lines fit as well, so none is linked"
    assert (
        f"_(evidence: 14:31 deploy done, {tie})_ _(14:31 America/Los\\_Angeles time)_" in document
    )
    assert f'<span class="none">(evidence: 14:31 deploy done, {tie})</span>' in page
    assert "(evidence: 14:31 deploy done (a tie, not linked, America/Los_Angeles))" in wire


def test_an_answers_citation_and_a_standalone_reply_choose_by_one_rule() -> None:
    """`see 14:25 deploy` is 6 minutes from the 22:31 line, 15 from the 22:10 one: the
    nearest within 15 minutes, for the reply and the answer alike."""
    standalone = parse_citation("F2: see 14:25 deploy")
    assert standalone is not None
    picked = pick(standalone, NIGHT, ZoneInfo(LA)).chosen
    [inline] = cite("the pool shrank, see 14:25 deploy", NIGHT, LA)

    assert picked is not None and picked.source_key == "C1:22"
    assert inline.number == 2
    [far] = cite("see 14:50 started", NIGHT, LA)
    assert far.number is None, "the started line is 40 minutes from 14:50"
