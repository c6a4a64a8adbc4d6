"""The report shows each why-chain whole, and the timeline events its answers cite.

The sample incident: F1 is two levels deep (the pipeline does not validate pool sizes,
then config values have no schema), F2 one. An answer citing `see 14:00 rolling back`
links the timeline's 14:00 line in Markdown and HTML; one citing a minute that shows
no line says so.
"""

from __future__ import annotations

from bot.core.report import build
from bot.core.report_evidence import cite
from bot.core.report_facts import AnswerFact
from bot.core.report_words import Names
from bot.documents.render import html_page, markdown_document
from bot.slack.report_blocks import summary
from bot.templates import Templates
from tests.unit.report_samples import ALICE, BOB, NAMES, answers, complete

CITING = AnswerFact(20, "why", "Nobody saw the pool drain, see 14:00 rolling back", BOB, 1, 3)
UNSHOWN = AnswerFact(21, "why", "see 09:15 the deploy", ALICE, 2, 2)


def test_each_chain_keeps_every_level_in_order() -> None:
    report = build(complete())

    [first, second] = report.root_cause.chains
    assert [(level.depth, level.text) for level in first.levels] == [
        (1, "The pipeline does not validate pool sizes"),
        (2, "Config values have no schema"),
    ]
    assert [level.text for level in second.levels] == ["No alert on pool saturation"]


def test_a_skipped_level_stays_in_the_chain_as_skipped() -> None:
    skipped = AnswerFact(30, "why", "skip", BOB, 1, 3, skipped=True)
    [first, _] = build(complete(answers=(*answers(), skipped))).root_cause.chains

    assert [level.skipped for level in first.levels] == [False, False, True]
    assert first.ended_in_skip


def test_the_markdown_lists_every_level_under_its_factor() -> None:
    document = markdown_document(build(complete()), Names(NAMES), Templates(), link=None)
    root_cause = document.split("## Root Cause", 1)[1].split("## Timeline", 1)[0]

    assert "### F1 (contributing, testing, 2 levels deep)" in root_cause
    assert "1. **Why #1:** The pipeline does not validate pool sizes" in root_cause
    assert "2. **Why #2:** Config values have no schema" in root_cause
    assert "**F0 — immediate cause:** A config change set the pool size to 5" in root_cause


def test_a_cited_event_is_found_at_its_minute_and_by_its_words() -> None:
    shown = build(complete()).timeline.entries
    [cited] = cite("see 14:00 rolling back", shown)
    [other_minute] = cite("see 9:15", shown)

    assert cited.number is not None
    assert "rolling back" in shown[cited.number - 1].text
    assert (other_minute.time, other_minute.found) == ("09:15", False)
    assert cite("no citation here", shown) == ()


def test_the_documents_link_a_cited_event_to_its_timeline_row() -> None:
    report = build(complete(answers=(*answers(), CITING, UNSHOWN)))
    [level] = [lv for lv in report.root_cause.chains[0].levels if lv.depth == 3]
    number = level.evidence[0].number

    document = markdown_document(report, Names(NAMES), Templates(), link=None)
    assert f"([evidence: 14:00 rolling back](#event-{number}))" in document
    assert f'| <a id="event-{number}"></a>2026-11-24 14:00 |' in document
    assert "_(evidence: 09:15 deploy, not among the timeline lines shown)_" in document

    page = html_page(report, Names(NAMES), Templates())
    assert f'href="#event-{number}">(evidence: 14:00 rolling back)</a>' in page
    assert f'<tr id="event-{number}">' in page


def test_the_slack_summary_shows_each_chain_compactly_within_the_section_limit() -> None:
    long_levels = tuple(
        AnswerFact(100 + depth, "why", f"level {depth} " + "x" * 2_900, BOB, 1, depth)
        for depth in range(3, 9)
    )
    report = build(complete(answers=(*answers(), *long_levels)))
    _, blocks = summary(report, Names(NAMES), Templates(), postmortem_id=1, url=None)
    [root] = [b for b in blocks if "*Root cause*" in str(b)]
    text = root["text"]["text"]

    assert "F0 — immediate cause: A config change set the pool size to 5" in text
    assert "*F1* (contributing, testing, 8 levels): The pipeline does not validate" in text
    assert "→ Config values have no schema →" in text
    assert text.count("→") == 7, "every level of F1 is there, shortened"
    assert "*F2* (systemic, monitoring, 1 level): No alert on pool saturation" in text
    assert len(text) <= 3_000
