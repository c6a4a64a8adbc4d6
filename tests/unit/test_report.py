"""The report model and its three renderings: Markdown, the HTML page, the Slack summary."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core import markdown
from bot.core.report import SECTIONS, build
from bot.core.report_facts import AnswerFact, ItemFact
from bot.core.report_text import to_plain
from bot.core.report_words import Names, people_in
from bot.core.timeline_chart import chart
from bot.documents.render import html_page, markdown_document
from bot.errors import ConfigError
from bot.slack.report_blocks import PUBLISH, summary
from bot.templates import Templates
from tests.unit.report_samples import ALICE, BOB, CAROL, NAMES, answers, complete, factors, items

# As Slack delivers what a person typed: their own < > & arrive as entities.
NASTY = (
    "# Root cause | &lt;script&gt;alert(1)&lt;/script&gt; <!channel> <@U0BOB> *bold* "
    "[x](javascript:y)"
)


def render_markdown(facts, link: str | None = "https://pm.example/postmortems/t0k3n") -> str:
    return markdown_document(build(facts), Names(NAMES), Templates(), link=link)


def headings(document: str) -> list[str]:
    return [line[3:] for line in document.splitlines() if line.startswith("## ")]


def test_the_markdown_has_every_section_in_the_methods_order() -> None:
    document = render_markdown(complete())

    assert headings(document) == list(SECTIONS)
    assert document.startswith("# Post-mortem: Checkout 500s (2026-11-24)\n")
    assert "- **Duration:** 2026-11-24 13:50–14:30 UTC (40 min)" in document
    assert "- **Severity:** P1" in document
    assert "- **Authors:** Alice Ng, Bob Diaz" in document
    assert "- **Participants:** Carol Sun" in document
    assert "- **Review:** scheduled for 2026-12-22" in document
    assert "<https://pm.example/postmortems/t0k3n>" in document


def test_root_cause_is_the_immediate_cause_and_the_deepest_answer_of_each_chain() -> None:
    report = build(complete())

    assert report.root_cause.immediate.text == "A config change set the pool size to 5"
    assert [(c.label, c.text, c.depth) for c in report.root_cause.chains] == [
        ("F1", "Config values have no schema", 2),
        ("F2", "No alert on pool saturation", 1),
    ]
    assert [kind for kind, _ in report.factors.contributing] == ["testing"]
    assert [c.label for c in report.factors.systemic] == ["F2"]


def test_the_latest_answer_counts_and_skipped_questions_say_so() -> None:
    rewritten = (
        *answers(),
        AnswerFact(20, "summary", "A config deploy broke checkout", BOB),
        AnswerFact(21, "went_well", "", BOB, skipped=True),
    )
    facts = complete(answers=tuple(a for a in rewritten if a.question != "lessons"))
    report = build(facts)
    document = render_markdown(facts)

    assert report.summary.text == "A config deploy broke checkout"
    assert (report.went_well.state, report.lessons.state) == ("skipped", "missing")
    assert "## What Went Well\n\n_Skipped in the interview._" in document
    assert "## Lessons Learned\n\n_Not answered yet._" in document


def test_a_why_chain_ended_by_a_skip_says_so() -> None:
    skipped = AnswerFact(30, "why", "", ALICE, 2, 2, skipped=True)
    report = build(complete(answers=(*answers(), skipped)))

    assert [c.ended_in_skip for c in report.root_cause.chains] == [False, True]
    assert "the next why was skipped" in render_markdown(complete(answers=(*answers(), skipped)))


def test_key_events_make_the_timeline_and_every_event_counts() -> None:
    report = build(complete())
    document = render_markdown(complete())

    assert report.timeline.total == 7
    assert len(report.timeline.entries) == 6  # the chatter line is neither key nor a milestone
    assert (
        "</a>2026-11-24 14:00 | @Bob Diaz rolling back the config | Slack | Bob Diaz |" in document
    )
    assert (
        "Time to detect 4 min · to acknowledge 2 min · to mitigate 20 min · to resolve 40 min."
        in document
    )


def test_prevention_points_each_factor_at_its_action_items() -> None:
    unlinked = ItemFact(3, "write the pool limits into the runbook", ALICE)
    report = build(complete(items=(*items(), unlinked)))

    assert [(line.label, line.codes) for line in report.prevention.lines] == [
        ("F0 — immediate cause", ()),
        ("F1 (contributing, testing)", ("AI-002",)),
        ("F2 (systemic, monitoring)", ("AI-001",)),
    ]
    assert report.prevention.general == ("AI-003",)


def test_action_items_table_has_the_methods_columns_and_flags_what_is_missing() -> None:
    ownerless = replace(items()[1], owner_id=None, deadline=None)
    document = render_markdown(complete(items=(items()[0], ownerless)))

    assert "| ID | Action | Owner | Deadline | Priority | Status |" in document
    assert (
        "| AI-001 | add a pool saturation alert to the checkout dashboard | Bob Diaz | 2026-12-04 "
        "| High | open · [ticket](<https://tickets.example/1>) |"
    ) in document
    assert (
        "| AI-002 | add a schema check for pool sizes to deploy.sh | **none** | **none** | Medium |"
        in document
    )


def test_user_text_cannot_break_the_markdown() -> None:
    nasty = (*answers(), AnswerFact(40, "summary", NASTY, ALICE))
    evil_item = ItemFact(1, "fix | it", BOB, None, "High", ticket_url="javascript:alert(1)")
    document = render_markdown(complete(answers=nasty, items=(evil_item,)))

    body = document.split("## Summary\n\n", 1)[1].split("\n\n## Impact", 1)[0]
    assert body == (
        r"\# Root cause \| \<script\>alert(1)\</script\> @channel @Bob Diaz \*bold\* "
        r"\[x\](javascript:y)"
    )
    row = next(line for line in document.splitlines() if line.startswith("| AI-001"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 7, "six cells, their pipes escaped"
    assert "javascript:" not in row
    ours = {"# Post-mortem: Checkout 500s (2026-11-24)", *(f"## {name}" for name in SECTIONS)}
    ours |= {"### F0 — immediate cause", "### Contributing factors", "### Systemic issues"}
    ours |= {
        "### F1 (contributing, testing, 2 levels deep)",
        "### F2 (systemic, monitoring, 1 level deep)",
    }
    assert {line for line in document.splitlines() if line.startswith("#")} == ours


def test_user_text_is_escaped_in_the_html_page() -> None:
    nasty = (*answers(), AnswerFact(40, "summary", NASTY, ALICE))
    evil_item = ItemFact(1, "fix it", BOB, None, "High", ticket_url="javascript:alert(1)")
    page = html_page(build(complete(answers=nasty, items=(evil_item,))), Names(NAMES), Templates())

    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; @channel @Bob Diaz" in page
    assert all(href.startswith("https://") for href in re.findall(r'href="([^"]*)"', page))
    assert "<svg" in page and "<h2>Validation checklist</h2>" in page


def test_the_html_page_has_the_sections_in_order_and_a_chart() -> None:
    page = html_page(build(complete()), Names(NAMES), Templates())

    assert re.findall(r"<h2>([^<]+)</h2>", page) == list(SECTIONS)
    assert re.findall(r'<circle class="mark-(\w+)"', page) == [
        "slack", "pagerduty", "pagerduty", "slack", "manual", "pagerduty",
    ]  # fmt: skip
    assert re.findall(r'<rect class="phase-(\w+)"', page) == [
        "detect", "acknowledge", "mitigate", "resolve",
    ]  # fmt: skip


def test_the_slack_summary_escapes_people_and_mentions_only_owners() -> None:
    nasty = (*answers(), AnswerFact(40, "impact", NASTY, ALICE))
    report = build(complete(answers=nasty))
    text, blocks = summary(
        report, Names(NAMES), Templates(), postmortem_id=7, url="https://pm.example/postmortems/t"
    )
    wire = json.dumps(blocks)

    assert "<!channel>" not in wire and "<script>" not in wire
    assert "&lt;script&gt;" in wire and "@Bob Diaz" in wire
    assert re.findall(r"<@(U\w+)>", wire) == [BOB, ALICE, ALICE]  # two owners, the publisher
    assert "*Severity* P1" in wire and "*Checklist* 7 of 7" in wire
    assert "<https://pm.example/postmortems/t|Read the full report>" in wire
    assert PUBLISH not in wire, "the channel post has no Publish button"
    assert text == "Post-mortem report: Checkout 500s (2026-11-24) · checklist 7 of 7"


def test_a_preview_lists_every_check_and_offers_to_publish() -> None:
    report = build(complete(items=(replace(items()[0], owner_id=None),)))
    _, blocks = summary(report, Names(NAMES), Templates(), postmortem_id=7, url=None, preview=True)
    wire = json.dumps(blocks)

    assert blocks[0]["text"]["text"].startswith("Preview · Post-mortem: Checkout 500s")
    assert wire.count(":white_check_mark:") == 6 and wire.count(":x:") == 1
    assert blocks[-1]["elements"][0] == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Publish", "emoji": True},
        "action_id": PUBLISH,
        "value": "7",
        "style": "primary",
    }


def test_people_named_anywhere_are_looked_up_once() -> None:
    assert people_in(build(complete())) == {ALICE, BOB, CAROL}


def test_slack_markup_becomes_plain_words_with_links_kept() -> None:
    text = "<@U0BOB> see <https://grafana.example/d|the dashboard> in <#C1|inc> &lt;3 <!here>"
    assert to_plain(text, NAMES.get) == (
        "@Bob Diaz see the dashboard (https://grafana.example/d) in #inc <3 @here"
    )


def test_markdown_escaping_of_line_starts_and_links() -> None:
    assert markdown.inline("1. first") == r"1\. first"
    assert markdown.inline("- item") == r"\- item"
    assert markdown.inline("a &amp; b & c") == r"a \&amp; b & c"
    assert markdown.link_target("https://t.example/1?a=b") == "<https://t.example/1?a=b>"
    assert markdown.link_target("javascript:alert(1)") is None
    assert markdown.link_target("https://t.example/a>b") is None


def test_the_chart_places_phases_milestones_and_numbered_key_events() -> None:
    report = build(complete())
    drawn = chart(
        report.timeline.all_entries, report.timeline.entries, start=report.header.window.start
    )

    assert drawn is not None
    assert [m.label for m in drawn.milestones] == [
        "triggered",
        "acknowledged",
        "mitigated",
        "resolved",
    ]
    assert [p.label for p in drawn.phases] == ["Detect", "Acknowledge", "Mitigate", "Resolve"]
    assert [m.number for m in drawn.marks] == [1, 2, 3, 4, 5, 6]
    xs = [m.x for m in drawn.marks]
    assert xs == sorted(xs) and drawn.plot_left <= xs[0] and xs[-1] <= drawn.plot_right
    assert sum(bar.count for bar in drawn.bars) == 7
    assert chart((), ()) is None


def test_templates_dir_overrides_the_report_and_a_broken_one_stops_the_start(
    tmp_path: Path,
) -> None:
    (tmp_path / "report.md.j2").write_text("# {{ t.text(report.header.title) }} for our wiki\n")
    custom = markdown_document(build(complete()), Names(NAMES), Templates(tmp_path), link=None)
    assert custom == "# Checkout 500s for our wiki\n"

    (tmp_path / "report.html.j2").write_text("<h1>{% if report %}unclosed</h1>\n")
    with pytest.raises(ConfigError, match=r"TEMPLATES_DIR: report.html.j2 line \d"):
        Templates(tmp_path).check()


def test_a_long_post_mortem_still_fits_slacks_section_limit() -> None:
    many = tuple(
        ItemFact(n, "add an alert " + "with many words " * 30, BOB, None, "High")
        for n in range(1, 40)
    )
    chains = tuple(
        replace(f, chain=n, text="why " * 200) for n, f in enumerate([factors()[1]] * 20, 1)
    )
    report = build(complete(items=many, factors=chains))
    _, blocks = summary(report, Names(NAMES), Templates(), postmortem_id=1, url=None)

    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert max(len(text) for text in sections) <= 3000
    assert "…and 29 more in the full report." in sections[2]
    assert "…and 12 more chains in the full report." in sections[1]
