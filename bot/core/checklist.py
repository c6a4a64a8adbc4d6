"""The method's validation checklist: each item ticked or not, with the reason in words.

The report shows it; the reasons are written for the team ("2 of 5 action items
have no deadline"), so a failed item says what to fix. Pure: standard library and
other core modules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import pairwise

from bot.core import followup
from bot.core.report_facts import (
    Facts,
    ItemFact,
    Window,
    current_answers,
    deadline_base,
    incident_window,
)
from bot.core.timeline import format_utc_minute

DISTRIBUTE_WITHIN = timedelta(hours=48)
MIN_FACTORS = 2
# Findings the team has not rewritten: still in the report's words.
UNRESOLVED = ("open", "kept")


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    ok: bool
    reason: str
    # What would tick it: the command or action, said for every item.
    how: str = ""


@dataclass(frozen=True)
class Checklist:
    checks: tuple[Check, ...]

    @property
    def passed(self) -> int:
        return sum(check.ok for check in self.checks)

    @property
    def total(self) -> int:
        return len(self.checks)

    @property
    def score(self) -> str:
        return f"{self.passed} of {self.total}"

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.ok)

    def get(self, key: str) -> Check:
        return next(check for check in self.checks if check.key == key)


HOW = {
    "timeline": (
        "mark key lines with :pushpin: or `/postmortem event`, set `/postmortem milestone "
        "resolved`; a message removed on purpose: `/postmortem gap ack deleted`; no pager "
        "used: `/postmortem gap ack pagerduty [why]`; metrics that cannot be had: `/postmortem "
        "gap ack metrics [why]`; history unreadable: invite the bot to the channel, then "
        "`/postmortem start` again"
    ),
    "factors": "answer the why-chains in the thread; `branch` starts another chain",
    "items": "reply `AI-001 @owner by Friday, high` in the thread with what is missing",
    "blameless": "edit the answer the bot pushed back on, saying what allowed it, not who",
    "distributed": "`/postmortem publish` within 48 hours of the incident's end",
    "tracked": (
        "`/postmortem tracker owner/name` then `/postmortem publish` files a ticket per item; "
        "or Create ticket under each item in `/postmortem actions`"
    ),
    "review": "`/postmortem publish` sets it four weeks out; `/postmortem followup DATE` moves it",
}


def evaluate(facts: Facts) -> Checklist:
    """Every item of the method's checklist, in its order, each saying what would tick it."""
    window = incident_window(facts)
    checks = (
        timeline(facts, window),
        factors(facts),
        items_complete(facts.items),
        blameless(facts),
        distributed(facts),
        tracked(facts.items),
        review(facts),
    )
    return Checklist(tuple(replace(check, how=check.how or HOW[check.key]) for check in checks))


def timeline(facts: Facts, window: Window) -> Check:
    label = "Timeline complete and chronological"
    entries = facts.entries
    if not entries:
        return Check("timeline", label, False, "the timeline is empty")
    problems = []
    backwards = sum(1 for a, b in pairwise(entries) if b.occurred_at < a.occurred_at)
    if backwards:
        problems.append(f"{_count(backwards, 'event')} out of time order")
    if window.end is None:
        problems.append("the incident's end is not known (set `resolved`)")
    open_gaps = [gap for gap in facts.gaps if not gap.acknowledged_by]
    if open_gaps:
        problems.append(f"{_count(len(open_gaps), 'data gap')} (see Data gaps)")
    if problems:
        return Check("timeline", label, False, "; ".join(problems))
    first, last = (format_utc_minute(e.occurred_at) for e in (entries[0], entries[-1]))
    span = f"{first} to {last}"
    noted = len(facts.gaps) - len(open_gaps)
    gaps = f"{_count(noted, 'gap')} acknowledged as on purpose" if noted else "no known gaps"
    return Check("timeline", label, True, f"{_count(len(entries), 'event')} from {span}, {gaps}")


def factors(facts: Facts) -> Check:
    label = "More than one contributing factor identified"
    found = sorted((f for f in facts.factors if f.layer != "immediate"), key=lambda f: f.chain)
    if not found:
        return Check("factors", label, False, "no contributing factor identified yet")
    if len(found) < MIN_FACTORS:
        return Check(
            "factors",
            label,
            False,
            f"only 1 contributing factor (F{found[0].chain}); the method asks for more than one",
        )
    systemic = sum(1 for f in found if f.layer == "systemic")
    detail = f" ({systemic} systemic)" if systemic else ""
    return Check("factors", label, True, f"{_count(len(found), 'contributing factor')}{detail}")


def items_complete(items: tuple[ItemFact, ...]) -> Check:
    label = "Every action item has an owner, a deadline and a priority"
    if not items:
        how = "write them in the thread at the Action items question, or *Add action item*"
        return Check("items", label, False, "no action items yet", how)
    missing = {
        "owner": sum(1 for item in items if not item.owner_id),
        "deadline": sum(1 for item in items if item.deadline is None),
        "priority": sum(1 for item in items if not item.priority),
    }
    problems = [
        f"{count} of {len(items)} action items {_has(count)} no {part}"
        for part, count in missing.items()
        if count
    ]
    if problems:
        return Check("items", label, False, "; ".join(problems))
    return Check(
        "items",
        label,
        True,
        f"{_every(len(items), 'has', 'have')} an owner, a deadline and a priority",
    )


def blameless(facts: Facts) -> Check:
    """Blame findings on the answers the report uses; a superseded answer's do not count."""
    label = "Blameless language"
    counted = {answer.id for answer in current_answers(facts.answers).values()}
    blame = [
        f
        for f in facts.findings
        if f.kind in ("blame", "counterfactual") and (f.answer_id is None or f.answer_id in counted)
    ]
    still_open = sum(1 for f in blame if f.status == "open")
    kept = sum(1 for f in blame if f.status == "kept")
    problems = []
    if still_open:
        problems.append(f"{_count(still_open, 'blaming phrase')} unresolved")
    if kept:
        problems.append(f"{_count(kept, 'blaming phrase')} kept as written")
    if problems:
        return Check("blameless", label, False, "; ".join(problems))
    rewritten = sum(1 for f in blame if f.status == "resolved")
    if rewritten:
        return Check("blameless", label, True, f"no blaming phrase left ({rewritten} rewritten)")
    return Check("blameless", label, True, "no blaming phrase found")


def distributed(facts: Facts) -> Check:
    """Counted from the incident's end, as the nudges are (`deadline_base`)."""
    label = "Report distributed within 48 hours"
    pm = facts.postmortem
    base, since = deadline_base(facts)
    if pm.first_published_at is not None:
        late = pm.first_published_at - base
        reason = f"report published {_span(late)} after {since}"
        if late > DISTRIBUTE_WITHIN:
            return Check("distributed", label, False, f"{reason}; the method asks for 48 h")
        return Check("distributed", label, True, reason)
    due = base + DISTRIBUTE_WITHIN
    if facts.now <= due:
        return Check(
            "distributed", label, False, f"not published yet; due by {format_utc_minute(due)}"
        )
    return Check(
        "distributed",
        label,
        False,
        f"not published, {_span(facts.now - base)} after {since}",
    )


def tracked(items: tuple[ItemFact, ...]) -> Check:
    label = "Action items tracked in a ticket system"
    if not items:
        return Check("tracked", label, False, "no action items to track")
    untracked = sum(1 for item in items if not item.ticket_url)
    if untracked:
        return Check(
            "tracked",
            label,
            False,
            f"{untracked} of {len(items)} action items {_has(untracked)} no ticket link",
        )
    return Check("tracked", label, True, f"{_every(len(items), 'links', 'link')} a ticket")


def review(facts: Facts) -> Check:
    label = "Follow-up review scheduled four weeks out"
    pm = facts.postmortem
    if pm.review_confirmed_at is not None:
        held = pm.review_confirmed_at.date().isoformat()
        return Check("review", label, True, f"follow-up review held on {held}")
    day = followup.review_day(pm.first_published_at, pm.followup_review_on)
    if day is None:
        return Check(
            "review",
            label,
            False,
            "not scheduled yet: it is set four weeks after the report is published",
        )
    how = "moved to" if pm.followup_review_on is not None else "on"
    return Check("review", label, True, f"follow-up review {how} {day.isoformat()}")


def _span(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" if not minutes else f"{hours} h {minutes} min"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _every(n: int, one: str, many: str) -> str:
    if n == 1:
        return f"the action item {one}"
    return f"{'both' if n == 2 else f'all {n}'} action items {many}"


def _has(n: int) -> str:
    return "has" if n == 1 else "have"
