"""What a post-mortem recorded, as the report and its checklist read it.

Plain values the report service copies out of the database in one read: the
post-mortem's own fields, the interview's answers, the factors, the action items,
the language findings and the timeline. `current_answers` and `incident_window`
are the two readings the report and the checklist must agree on.
Pure: standard library and other core modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.core import milestones as clock
from bot.core.action_items import item_code
from bot.core.metrics import MetricChart
from bot.core.milestones import Milestones
from bot.core.report_evidence import Attached
from bot.core.timeline import Durations, Gap, TimelineEntry

Slot = tuple[str, int | None, int | None]


@dataclass(frozen=True)
class AnswerFact:
    """One reply filed by the interview; several may exist for one question (`back`)."""

    id: int
    question: str
    text: str
    author_id: str | None = None
    chain: int | None = None
    depth: int | None = None
    skipped: bool = False

    @property
    def slot(self) -> Slot:
        return (self.question, self.chain, self.depth)


@dataclass(frozen=True)
class FactorFact:
    """A why-chain's factor: chain 0 is the immediate cause; `text` is its deepest answer."""

    chain: int
    layer: str
    kind: str
    text: str


@dataclass(frozen=True)
class ItemFact:
    number: int
    action: str
    owner_id: str | None = None
    deadline: date | None = None
    priority: str | None = None
    status: str = "open"
    ticket_url: str | None = None
    vague_kept: bool = False
    factor_chain: int | None = None

    @property
    def code(self) -> str:
        return item_code(self.number)


@dataclass(frozen=True)
class FindingFact:
    """Wording the bot pushed back on: `kind` blame|vague-action, `status` open|resolved|kept."""

    kind: str
    status: str
    phrase: str
    answer_id: int | None = None


@dataclass(frozen=True)
class PostmortemFacts:
    title: str
    lead_user_id: str
    created_at: datetime
    severity: str | None = None
    incident_start: datetime | None = None
    incident_end: datetime | None = None
    # The first publish counts for the 48 hours and the follow-up; the latest is "updated".
    first_published_at: datetime | None = None
    last_published_at: datetime | None = None
    published_by: str | None = None
    followup_review_on: date | None = None
    review_confirmed_at: datetime | None = None


@dataclass(frozen=True)
class Facts:
    postmortem: PostmortemFacts
    now: datetime
    answers: tuple[AnswerFact, ...] = ()
    factors: tuple[FactorFact, ...] = ()
    items: tuple[ItemFact, ...] = ()
    findings: tuple[FindingFact, ...] = ()
    entries: tuple[TimelineEntry, ...] = ()
    key_entries: tuple[TimelineEntry, ...] = ()
    durations: Durations = field(default_factory=lambda: Durations(None, None, None, None))
    gaps: tuple[Gap, ...] = ()
    milestones: Milestones = field(default_factory=Milestones)
    # Timeline lines people attached to a factor in the thread ("F2: see 22:31 deploy").
    evidence: tuple[Attached, ...] = ()
    # Answer authors' stored time zones (user id → IANA name): a `see 14:31` in an answer
    # is read on its author's clock; an author missing here is read as UTC, said so.
    zones: Mapping[str, str] = field(default_factory=dict)
    # The incident's metrics over its window, as last fetched from Prometheus.
    metrics: tuple[MetricChart, ...] = ()


@dataclass(frozen=True)
class Window:
    """When the incident ran, as far as the post-mortem knows."""

    start: datetime | None
    end: datetime | None

    @property
    def duration(self) -> timedelta | None:
        if self.start is None or self.end is None or self.end < self.start:
            return None
        return self.end - self.start


def current_answers(answers: tuple[AnswerFact, ...]) -> dict[Slot, AnswerFact]:
    """The answer that counts for each question: the latest one filed (`back` re-answers)."""
    latest: dict[Slot, AnswerFact] = {}
    for answer in sorted(answers, key=lambda a: a.id):
        latest[answer.slot] = answer
    return latest


def incident_window(facts: Facts) -> Window:
    """From impact started (else the earliest milestone known) to resolved, as
    `bot.core.milestones.window` reads the milestones; the timeline's first line is no
    stand-in for the start."""
    return Window(*clock.window(facts.milestones))


def deadline_base(facts: Facts) -> tuple[datetime, str]:
    """What the 48 hours count from, and its words (`bot.core.milestones.deadline_base`)."""
    return clock.deadline_base(facts.milestones, facts.postmortem.created_at)
