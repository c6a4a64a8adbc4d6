"""The method's validation checklist is right both ways: what holds is ticked, what fails
says why."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.core import milestones as clock
from bot.core.checklist import evaluate
from bot.core.milestones import Milestone, Milestones, Name, Origin
from bot.core.report_facts import FactorFact, FindingFact, ItemFact
from bot.core.timeline import Gap
from tests.unit.report_samples import (
    ALICE,
    answers,
    at,
    complete,
    impact_started,
    items,
    with_postmortem,
)


def failed(facts) -> dict[str, str]:
    return {check.key: check.reason for check in evaluate(facts).checks if not check.ok}


def test_a_complete_postmortem_ticks_every_item_in_the_methods_order() -> None:
    checklist = evaluate(complete())

    assert [check.key for check in checklist.checks] == [
        "timeline", "factors", "items", "blameless", "distributed", "tracked", "review",
    ]  # fmt: skip
    assert all(check.ok for check in checklist.checks), checklist.failed
    assert checklist.score == "7 of 7"
    reasons = {check.key: check.reason for check in checklist.checks}
    assert reasons["distributed"] == "report published 2 h 40 min after the incident was resolved"
    assert reasons["items"] == "both action items have an owner, a deadline and a priority"
    assert reasons["review"] == "follow-up review on 2026-12-22"


def test_one_factor_an_ownerless_item_and_open_blame_fail_exactly_those_three() -> None:
    facts = complete(
        factors=(
            FactorFact(0, "immediate", "change management", "A config change set the pool size to 5"),
            FactorFact(1, "contributing", "testing", "Config values have no schema"),
        ),
        items=(items()[0], replace(items()[1], owner_id=None)),
        findings=(FindingFact("blame", "open", "Bob broke", 6),),
    )  # fmt: skip

    assert failed(facts) == {
        "factors": "only 1 contributing factor (F1); the method asks for more than one",
        "items": "1 of 2 action items has no owner",
        "blameless": "1 blaming phrase unresolved",
    }
    assert evaluate(facts).score == "4 of 7"


def test_missing_parts_of_action_items_are_counted_per_part() -> None:
    five = tuple(
        ItemFact(n, f"add check {n} to deploy.sh", ALICE, date(2026, 12, 4), "High", ticket_url="https://t/1")
        for n in range(1, 6)
    )  # fmt: skip
    five = (
        replace(five[0], deadline=None),
        replace(five[1], deadline=None, priority=None),
        *five[2:],
    )

    assert failed(complete(items=five)) == {
        "items": "2 of 5 action items have no deadline; 1 of 5 action items has no priority"
    }


def test_no_action_items_fail_both_item_checks() -> None:
    assert failed(complete(items=())) == {
        "items": "no action items yet",
        "tracked": "no action items to track",
    }


def test_items_without_a_ticket_are_not_tracked() -> None:
    facts = complete(items=(items()[0], replace(items()[1], ticket_url=None)))
    assert failed(facts) == {"tracked": "1 of 2 action items has no ticket link"}


def test_blame_kept_as_written_fails_but_blame_on_a_replaced_answer_does_not() -> None:
    kept = complete(findings=(FindingFact("blame", "kept", "careless", 6),))
    assert failed(kept) == {"blameless": "1 blaming phrase kept as written"}

    rewritten = (*answers(), replace(answers()[5], id=20, text="Config values are not typed"))
    replaced = complete(answers=rewritten, findings=(FindingFact("blame", "open", "careless", 6),))
    assert failed(replaced) == {}


def test_vague_action_findings_are_not_blame() -> None:
    facts = complete(findings=(FindingFact("vague-action", "open", "improve monitoring"),))
    assert "blameless" not in failed(facts)


def test_a_report_published_after_48_hours_fails_with_how_late() -> None:
    facts = with_postmortem(complete(), first_published_at=at(40 + 50 * 60))
    assert failed(facts) == {
        "distributed": "report published 50 h after the incident was resolved; the method asks for 48 h"
    }


def test_an_unpublished_report_says_when_it_is_due_then_how_late_it_is() -> None:
    unpublished = with_postmortem(complete(), first_published_at=None, last_published_at=None)
    due = failed(replace(unpublished, now=at(100)))
    assert due["distributed"] == "not published yet; due by 2026-11-26 14:30 UTC"
    assert due["review"] == "not scheduled yet: it is set four weeks after the report is published"
    late = failed(replace(unpublished, now=at(40 + 52 * 60)))
    assert late["distributed"] == "not published, 52 h after the incident was resolved"


def test_a_moved_or_held_review_counts_as_scheduled() -> None:
    moved = with_postmortem(complete(), followup_review_on=date(2026, 12, 15))
    assert evaluate(moved).get("review").reason == "follow-up review moved to 2026-12-15"
    held = with_postmortem(complete(), review_confirmed_at=at(60 * 24 * 28))
    assert evaluate(held).get("review").reason == "follow-up review held on 2026-12-22"


def test_a_timeline_with_a_gap_or_without_its_end_is_not_complete() -> None:
    with_gap = complete(gaps=(Gap.pagerduty_not_linked(),))
    assert failed(with_gap) == {"timeline": "1 data gap (see Data gaps)"}

    unresolved = [e for e in complete().entries if e.kind != "resolved"]
    open_ended = complete(entries=tuple(unresolved))
    assert failed(open_ended)["timeline"] == "the incident's end is not known (set `resolved`)"


def test_an_empty_timeline_fails_and_distribution_counts_from_the_post_mortem() -> None:
    empty = complete(entries=(), key_entries=(), milestones=Milestones())
    reasons = failed(empty)
    assert reasons["timeline"] == "the timeline is empty"
    assert "distributed" not in reasons  # 2 h 35 min after the post-mortem was opened
    assert evaluate(empty).get("distributed").reason == (
        "report published 2 h 35 min after the post-mortem was opened"
    )


def test_a_resolution_a_person_set_is_what_the_48_hours_count_from() -> None:
    resolved = Milestone(
        Name.RESOLVED, at(40) - timedelta(hours=47), Origin.PERSON, confirmed=True, by="U0BOB"
    )
    known = clock.effective([impact_started(), resolved], complete().milestones)
    facts = complete(milestones=known)
    assert failed(facts)["distributed"].startswith("report published 49 h 40 min after")
