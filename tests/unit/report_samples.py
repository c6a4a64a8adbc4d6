"""A complete post-mortem as the report reads it, for the report and checklist tests.

The incident ran 13:50–14:30 UTC on 2026-11-24; the report went out 2 h 40 min later.
Tests change one thing with `dataclasses.replace` and look at what follows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.core import milestones as clock
from bot.core.milestones import Milestone, Name, Origin
from bot.core.report_facts import (
    AnswerFact,
    FactorFact,
    Facts,
    FindingFact,
    ItemFact,
    PostmortemFacts,
)
from bot.core.timeline import TimelineEntry, merge

START = datetime(2026, 11, 24, 13, 50, tzinfo=UTC)
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
NAMES = {ALICE: "Alice Ng", BOB: "Bob Diaz", CAROL: "Carol Sun"}


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def entries() -> tuple[TimelineEntry, ...]:
    return tuple(
        merge(
            [
                TimelineEntry(at(0), "slack", "C1:1", "checkout 500s climbing", ALICE, is_key=True),
                TimelineEntry(at(4), "pagerduty", "PD1", "Triggered: checkout 5xx", None, kind="trigger"),
                TimelineEntry(at(6), "pagerduty", "PD2", "Acknowledged", "Bob Diaz", kind="acknowledged"),
                TimelineEntry(at(10), "slack", "C1:2", "<@U0BOB> rolling back the config", BOB, is_key=True),
                TimelineEntry(at(14), "slack", "C1:3", "looking at the graphs", CAROL),
                TimelineEntry(at(20), "manual", "m1", "mitigated: rollback complete", BOB, is_key=True),
                TimelineEntry(at(40), "pagerduty", "PD3", "Resolved", "Bob Diaz", kind="resolved"),
            ]
        )
    )  # fmt: skip


def answers() -> tuple[AnswerFact, ...]:
    return (
        AnswerFact(1, "summary", "Checkout returned 500s for 40 minutes after a config deploy", ALICE),
        AnswerFact(2, "impact", "About 12% of checkouts failed, roughly 3,000 orders", BOB),
        AnswerFact(3, "detection", "A PagerDuty alert on the 5xx rate", ALICE),
        AnswerFact(4, "trigger", "A config change set the pool size to 5", BOB, 0, 0),
        AnswerFact(5, "why", "The pipeline does not validate pool sizes", ALICE, 1, 1),
        AnswerFact(6, "why", "Config values have no schema", BOB, 1, 2),
        AnswerFact(7, "why", "No alert on pool saturation", ALICE, 2, 1),
        AnswerFact(8, "went_well", "Rolling back took 4 minutes", ALICE),
        AnswerFact(9, "lessons", "Validate config values in the pipeline", BOB),
    )  # fmt: skip


def factors() -> tuple[FactorFact, ...]:
    return (
        FactorFact(0, "immediate", "change management", "A config change set the pool size to 5"),
        FactorFact(1, "contributing", "testing", "Config values have no schema"),
        FactorFact(2, "systemic", "monitoring", "No alert on pool saturation"),
    )


def items() -> tuple[ItemFact, ...]:
    return (
        ItemFact(
            1, "add a pool saturation alert to the checkout dashboard", BOB, date(2026, 12, 4),
            "High", ticket_url="https://tickets.example/1", factor_chain=2,
        ),
        ItemFact(
            2, "add a schema check for pool sizes to deploy.sh", ALICE, date(2026, 12, 11),
            "Medium", status="done", ticket_url="https://tickets.example/2", factor_chain=1,
        ),
    )  # fmt: skip


def impact_started() -> Milestone:
    """Alice set it: nothing in the data says when checkout started failing."""
    return Milestone(Name.STARTED, at(0), Origin.PERSON, confirmed=True, by=ALICE)


def complete(**changes: Any) -> Facts:
    """Every checklist item holds; `changes` replace fields of the Facts. The milestones
    are read from `entries` (the changed ones, if given) unless `milestones` is given."""
    timeline = changes.get("entries", entries())
    if "milestones" not in changes:
        changes["milestones"] = clock.effective([impact_started()], clock.derive(timeline))
    known = changes["milestones"]
    facts = Facts(
        postmortem=PostmortemFacts(
            title="Checkout 500s",
            lead_user_id=ALICE,
            created_at=at(45),
            severity="P1",
            first_published_at=at(200),
            last_published_at=at(200),
            published_by=ALICE,
        ),
        now=at(300),
        answers=answers(),
        factors=factors(),
        items=items(),
        findings=(FindingFact("blame", "resolved", "Alice forgot to", 5),),
        entries=timeline,
        key_entries=tuple(e for e in timeline if e.is_key or e.kind),
        durations=clock.durations(known),
    )
    return replace(facts, **changes)


def with_postmortem(facts: Facts, **changes: Any) -> Facts:
    return replace(facts, postmortem=replace(facts.postmortem, **changes))
