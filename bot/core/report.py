"""The report of a post-mortem (step 5 of the method), as a plain model.

`build` turns what the post-mortem recorded (`Facts`) into the document's parts,
in the method's order: the header, Summary, Impact, Root Cause, Timeline,
Contributing Factors, Action Items, What Went Well, Lessons Learned, Prevention,
then the data gaps and the validation checklist. Text stays as people wrote it
and people stay user ids: each renderer (Markdown, HTML, Slack) names and escapes
them for its own target. Pure: standard library and other core modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.core.checklist import Checklist, evaluate
from bot.core.factor_labels import IMMEDIATE_CHAIN, factor_label
from bot.core.followup import review_day
from bot.core.metrics import MetricChart
from bot.core.milestones import Milestones
from bot.core.report_evidence import Attached, Evidence, attached_evidence, cite
from bot.core.report_facts import (
    AnswerFact,
    FactorFact,
    Facts,
    ItemFact,
    Slot,
    Window,
    current_answers,
    incident_window,
)
from bot.core.report_text import is_user_id
from bot.core.timeline import Durations, GapKind, TimelineEntry

SECTIONS = (
    "Summary",
    "Impact",
    "Root Cause",
    "Timeline",
    "Contributing Factors",
    "Action Items",
    "What Went Well",
    "Lessons Learned",
    "Prevention",
    "Data gaps",
    "Validation checklist",
)
# With nothing marked key, the report shows the first lines rather than thousands.
UNMARKED_LINES = 30
# People, not PagerDuty agents or systems, act through these sources.
PERSON_SOURCES = ("slack", "manual")


@dataclass(frozen=True)
class Answered:
    """An interview answer as the report shows it: the text, or why there is none."""

    text: str | None
    skipped: bool = False
    author_id: str | None = None

    @property
    def state(self) -> str:
        """ "answered", "skipped" (someone said skip) or "missing" (never asked or answered)."""
        if self.text:
            return "answered"
        return "skipped" if self.skipped else "missing"


@dataclass(frozen=True)
class Header:
    title: str
    day: date
    window: Window
    severity: str | None
    lead_id: str
    authors: tuple[str, ...]
    participants: tuple[str, ...]
    published_at: datetime | None
    updated_at: datetime | None
    published_by: str | None
    review_on: date | None
    reviewed_at: datetime | None

    @property
    def dated_title(self) -> str:
        return f"{self.title} ({self.day.isoformat()})"


@dataclass(frozen=True)
class Level:
    """One level of a why-chain: why #`depth` and its answer (None when it was skipped),
    with the timeline events the answer cites (`see 22:31 deploy`)."""

    depth: int
    text: str | None
    evidence: tuple[Evidence, ...] = ()

    @property
    def skipped(self) -> bool:
        return self.text is None


@dataclass(frozen=True)
class Chain:
    """One why-chain: its factor's layer and kind, its deepest answer, and every level
    from why #1 (asked of the immediate cause) down to it."""

    number: int
    layer: str
    kind: str
    text: str
    depth: int
    ended_in_skip: bool
    levels: tuple[Level, ...] = ()
    # Lines people attached to the factor itself ("F2: see 22:31 deploy" in the thread).
    attached: tuple[Evidence, ...] = ()

    @property
    def label(self) -> str:
        return factor_label(self.number)

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        cited = tuple(cited for level in self.levels for cited in level.evidence)
        return cited + self.attached


@dataclass(frozen=True)
class RootCause:
    immediate: Answered
    chains: tuple[Chain, ...]
    # Lines attached to the immediate cause (`F0: see …`).
    immediate_evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class TimelinePart:
    entries: tuple[TimelineEntry, ...]
    total: int
    marked: bool
    durations: Durations
    detection: Answered
    all_entries: tuple[TimelineEntry, ...]
    # Impact started, detected, …: each with its time, origin, and whether a person confirmed it.
    milestones: Milestones = field(default_factory=Milestones)


@dataclass(frozen=True)
class Factors:
    immediate: Answered
    contributing: tuple[tuple[str, tuple[Chain, ...]], ...]
    systemic: tuple[Chain, ...]


@dataclass(frozen=True)
class PreventionLine:
    """A factor and the action items meant to keep it from happening again."""

    chain: int
    label: str
    text: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Prevention:
    lines: tuple[PreventionLine, ...]
    general: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    header: Header
    summary: Answered
    impact: Answered
    root_cause: RootCause
    timeline: TimelinePart
    factors: Factors
    items: tuple[ItemFact, ...]
    went_well: Answered
    lessons: Answered
    prevention: Prevention
    gaps: tuple[str, ...]
    checklist: Checklist
    # Deleted messages nobody has said were removed on purpose (`/postmortem gap ack deleted`).
    unexplained_deletions: int = 0
    # The incident's metric charts (drawn by bot.documents.metric_images).
    metrics: tuple[MetricChart, ...] = ()


def build(facts: Facts) -> Report:
    answers = current_answers(facts.answers)
    timeline = _timeline(facts, _answered(answers, ("detection", None, None)))
    chains = _chains(facts.factors, answers, timeline, facts.evidence, facts.zones)
    immediate = _immediate(answers, facts.factors)
    immediate_evidence = attached_evidence(
        facts.evidence, IMMEDIATE_CHAIN, timeline.entries, timeline.all_entries
    )
    return Report(
        header=_header(facts),
        summary=_answered(answers, ("summary", None, None)),
        impact=_answered(answers, ("impact", None, None)),
        root_cause=RootCause(immediate, chains, immediate_evidence),
        timeline=timeline,
        factors=_factors(immediate, chains),
        items=tuple(sorted(facts.items, key=lambda item: item.number)),
        went_well=_answered(answers, ("went_well", None, None)),
        lessons=_answered(answers, ("lessons", None, None)),
        prevention=_prevention(facts, immediate, chains),
        gaps=tuple(gap.describe() for gap in facts.gaps),
        checklist=evaluate(facts),
        unexplained_deletions=sum(
            gap.count
            for gap in facts.gaps
            if gap.kind == GapKind.MESSAGES_DELETED and not gap.acknowledged_by
        ),
        metrics=facts.metrics,
    )


def _header(facts: Facts) -> Header:
    pm = facts.postmortem
    window = incident_window(facts)
    first_published = pm.first_published_at
    updated = pm.last_published_at
    authors = _authors(pm.lead_user_id, facts.answers)
    return Header(
        title=pm.title,
        day=(window.start or pm.created_at).date(),
        window=window,
        severity=pm.severity,
        lead_id=pm.lead_user_id,
        authors=authors,
        participants=_participants(facts.entries, authors),
        published_at=first_published,
        updated_at=updated if updated and updated != first_published else None,
        published_by=pm.published_by,
        review_on=review_day(first_published, pm.followup_review_on),
        reviewed_at=pm.review_confirmed_at,
    )


def _authors(lead_id: str, answers: Iterable[AnswerFact]) -> tuple[str, ...]:
    """The lead, then everyone who answered in the interview, in order of their first answer."""
    ordered = [lead_id]
    for answer in sorted(answers, key=lambda a: a.id):
        if answer.author_id and answer.author_id not in ordered:
            ordered.append(answer.author_id)
    return tuple(ordered)


def _participants(entries: Iterable[TimelineEntry], authors: tuple[str, ...]) -> tuple[str, ...]:
    """People who spoke in the timeline: Slack user ids, never an app's name
    ("PagerDuty", "Datadog") or bot id that other apps' posts carry as their actor."""
    seen = dict.fromkeys(
        entry.actor
        for entry in entries
        if entry.actor and entry.source in PERSON_SOURCES and is_user_id(entry.actor)
    )
    return tuple(actor for actor in seen if actor not in authors)


def _answered(answers: dict[Slot, AnswerFact], slot: Slot) -> Answered:
    answer = answers.get(slot)
    if answer is None:
        return Answered(None)
    if answer.skipped or not answer.text.strip():
        return Answered(None, skipped=True, author_id=answer.author_id)
    return Answered(answer.text, author_id=answer.author_id)


def _immediate(answers: dict[Slot, AnswerFact], factors: Iterable[FactorFact]) -> Answered:
    found = _answered(answers, ("trigger", 0, 0))
    if found.state != "missing":
        return found
    factor = next((f for f in factors if f.chain == 0), None)
    return Answered(factor.text) if factor and factor.text else found


def _chains(
    factors: Iterable[FactorFact],
    answers: dict[Slot, AnswerFact],
    timeline: TimelinePart,
    attached: tuple[Attached, ...],
    zones: Mapping[str, str],
) -> tuple[Chain, ...]:
    whys: dict[int, list[AnswerFact]] = {}
    for (question, chain, _), answer in answers.items():
        if question == "why" and chain is not None:
            whys.setdefault(chain, []).append(answer)
    chains = []
    for factor in sorted(factors, key=lambda f: f.chain):
        if factor.chain == 0:
            continue
        levels = whys.get(factor.chain, [])
        answered = [a.depth or 0 for a in levels if not a.skipped]
        depth = max(answered, default=0)
        skipped_below = any(a.skipped and (a.depth or 0) > depth for a in levels)
        chains.append(
            Chain(
                factor.chain,
                factor.layer,
                factor.kind,
                factor.text,
                depth,
                skipped_below,
                _levels(levels, timeline.entries, zones),
                attached_evidence(attached, factor.chain, timeline.entries, timeline.all_entries),
            )
        )
    return tuple(chains)


def _levels(
    answers: list[AnswerFact], shown: tuple[TimelineEntry, ...], zones: Mapping[str, str]
) -> tuple[Level, ...]:
    """Each level of a chain that was asked, shallowest first: its answer, or a skip; its
    citations read on its author's clock (`zones`)."""
    levels = []
    for answer in sorted(answers, key=lambda a: a.depth or 0):
        text = None if answer.skipped or not answer.text.strip() else answer.text
        zone = zones.get(answer.author_id) if answer.author_id else None
        evidence = cite(text, shown, zone) if text else ()
        levels.append(Level(answer.depth or 0, text, evidence))
    return tuple(levels)


def _timeline(facts: Facts, detection: Answered) -> TimelinePart:
    marked = bool(facts.key_entries)
    shown = facts.key_entries if marked else facts.entries[:UNMARKED_LINES]
    return TimelinePart(
        entries=tuple(shown),
        total=len(facts.entries),
        marked=marked,
        durations=facts.durations,
        detection=detection,
        all_entries=facts.entries,
        milestones=facts.milestones,
    )


def _factors(immediate: Answered, chains: tuple[Chain, ...]) -> Factors:
    by_kind: dict[str, list[Chain]] = {}
    for chain in chains:
        if chain.layer != "systemic":
            by_kind.setdefault(chain.kind, []).append(chain)
    return Factors(
        immediate=immediate,
        contributing=tuple((kind, tuple(found)) for kind, found in by_kind.items()),
        systemic=tuple(chain for chain in chains if chain.layer == "systemic"),
    )


def _prevention(facts: Facts, immediate: Answered, chains: tuple[Chain, ...]) -> Prevention:
    codes: dict[int | None, list[str]] = {}
    for item in sorted(facts.items, key=lambda i: i.number):
        codes.setdefault(item.factor_chain, []).append(item.code)
    lines = []
    if immediate.text:
        label = factor_label(0)
        lines.append(PreventionLine(0, label, immediate.text, tuple(codes.get(0, []))))
    for chain in chains:
        label = f"{chain.label} ({chain.layer}, {chain.kind})"
        lines.append(
            PreventionLine(chain.number, label, chain.text, tuple(codes.get(chain.number, [])))
        )
    known = {line.chain for line in lines}
    general = [code for chain, found in codes.items() if chain not in known for code in found]
    return Prevention(tuple(lines), tuple(sorted(general)))
