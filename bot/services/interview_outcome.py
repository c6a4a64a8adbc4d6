"""What an interview use case decided, for the Slack adapter to say in the thread.

Services return these plain values; `bot.slack.interview_messages` turns them
into messages and `bot.flows.interview_thread` posts them, so no service
talks to Slack and no listener decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.core.interview import State
from storage.models import ActionItem, Factor


@dataclass(frozen=True)
class Thread:
    postmortem_id: int
    team_id: str
    channel_id: str
    thread_ts: str


@dataclass(frozen=True)
class QuestionView:
    """The open question, with what it refers to; `version` is the state that asked it."""

    state: State
    version: int
    about: str | None = None
    current: str | None = None
    chains: int = 0
    can_close: bool = False
    sounds_systemic: bool = False


@dataclass(frozen=True)
class FindingNotice:
    """Wording pushed back on: a blaming phrase, or an action too vague to accept."""

    finding_id: int
    kind: str
    phrase: str
    why: str
    suggestion: str
    author_id: str | None


@dataclass(frozen=True)
class FactorNotice:
    postmortem_id: int
    chain: int
    layer: str
    kind: str
    text: str
    kind_chosen: bool

    @classmethod
    def of(cls, factor: Factor) -> FactorNotice:
        return cls(
            factor.postmortem_id,
            factor.chain,
            factor.layer,
            factor.kind,
            factor.text,
            factor.kind_chosen_by is not None,
        )


@dataclass(frozen=True)
class ItemNotice:
    """An action item as recorded, and what it still lacks."""

    code: str
    action: str
    owner_id: str | None
    deadline: date | None
    priority: str | None
    factor_chain: int | None
    factor_kind: str | None
    vague_kept: bool
    created: bool
    unknown_owner: str | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        given = {"owner": self.owner_id, "deadline": self.deadline, "priority": self.priority}
        return tuple(name for name, value in given.items() if value is None)

    @classmethod
    def of(
        cls,
        item: ActionItem,
        factor: Factor | None,
        *,
        created: bool,
        unknown_owner: str | None = None,
    ) -> ItemNotice:
        return cls(
            code=item.code,
            action=item.action,
            owner_id=item.owner_id,
            deadline=item.deadline,
            priority=item.priority,
            factor_chain=factor.chain if factor else None,
            factor_kind=factor.kind if factor else None,
            vague_kept=item.vague_kept,
            created=created,
            unknown_owner=unknown_owner,
        )


@dataclass
class Outcome:
    """Everything to say in the thread after one reply, edit or click."""

    thread: Thread
    accepted_ts: str | None = None
    note: str | None = None
    refusal: str | None = None
    refused_user: str | None = None
    findings: list[FindingNotice] = field(default_factory=list)
    factors: list[FactorNotice] = field(default_factory=list)
    items: list[ItemNotice] = field(default_factory=list)
    question: QuestionView | None = None
