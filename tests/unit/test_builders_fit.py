"""The report, timeline and milestones builders hand back what Slack takes, however long
the words people typed: each output passes the sandbox's own reading of Slack's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.core.milestones import Milestone, Milestones, Name, Origin, durations
from bot.core.report import build
from bot.core.report_facts import AnswerFact, Facts
from bot.core.report_words import Names
from bot.core.timeline import Gap, GapKind, TimelineEntry
from bot.core.timeline_view import TimelineView
from bot.sandbox.block_limits import message_problems, view_problems
from bot.slack import milestone_blocks, report_blocks, timeline_blocks
from bot.slack.names import UserNames
from bot.templates import Templates
from tests.unit.report_samples import NAMES, answers, complete, items, with_postmortem

LONG = ("pool exhausted after the config deploy " * 130)[:5000]
START = datetime(2026, 11, 30, 21, 40, tzinfo=UTC)


def _long_report_facts() -> Facts:
    long_answers = tuple(replace(a, text=f"{a.text} {LONG}") for a in answers())
    more = tuple(AnswerFact(20 + n, "why", LONG, "U0BOB", 1, 3 + n) for n in range(20))
    long_items = tuple(replace(i, action=f"{i.action} {LONG}") for i in items())
    facts = complete(answers=(*long_answers, *more), items=long_items)
    return with_postmortem(facts, title=LONG)


def test_the_report_summary_with_5000_character_answers_fits_one_message() -> None:
    report = build(_long_report_facts())
    for preview in (False, True):
        text, blocks = report_blocks.summary(
            report,
            Names(NAMES),
            Templates(),
            postmortem_id=7,
            url="https://pm.example/r/x",
            preview=preview,
        )
        assert message_problems(text, blocks) is None
        assert sum(len(b.get("text", {}).get("text", "")) for b in blocks) > 3000, "not empty"


def test_the_timeline_reply_with_5000_character_lines_fits_one_message() -> None:
    lines = tuple(
        TimelineEntry(
            START + timedelta(minutes=n), "manual", f"m{n}", LONG, "Bob Diaz", is_key=True
        )
        for n in range(30)
    )
    view = TimelineView(
        postmortem_id=7,
        team_id="T1",
        channel_id="C1",
        title=LONG,
        thread_ts="1.0",
        incident_id=None,
        started_at=START,
        entries=lines,
        durations=durations(Milestones()),
        gaps=(Gap(GapKind.MESSAGES_DELETED, count=3, where=LONG, reason=LONG),),
    )
    names = UserNames(WebClient(token="xoxb-unused"))  # no user ids: nothing is looked up
    reply = timeline_blocks.slack_reply(view, names, Templates(), LONG)
    assert message_problems(reply, None) is None
    assert "Key timeline" in reply


def test_the_milestones_form_with_a_5000_character_zone_name_fits_a_view() -> None:
    known = Milestones((Milestone(Name.STARTED, START, Origin.PERSON, confirmed=True, by="U0A"),))
    view = milestone_blocks.modal(
        known, postmortem_id=7, team_id="T1", zone=ZoneInfo("UTC"), zone_name=LONG
    )
    assert view_problems(view) == []
    assert milestone_blocks.ModalState.from_json(view["private_metadata"]).zone_name == "UTC"
