"""What the interview says in its thread, as plain values: the open question and the notices.

Services build these from the stored rows (`bot.services.interview_outcome`) and
`bot.slack.interview_blocks` turns them into messages, so the Slack builders
never see a database row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.interview import State
from bot.core.timeline import TimelineEntry


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
    # The answer it would quote is held (blaming wording, neither edited nor kept yet).
    about_held: bool = False
    # What it would quote is outside our system (a provider's outage, a cloud failover):
    # ask what in our system let it hurt us, not why it happened.
    external: bool = False


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
    item_id: int | None = None
    author_id: str | None = None  # who wrote it: told when Slack refuses its notice
    not_announced: str | None = None  # Slack's error the last time its notice was refused
    # Which factor it addresses, when nobody said: the factors to ask about (chain, text),
    # or True when the one factor there is was linked for them (and the notice says so).
    factor_choices: tuple[tuple[int, str], ...] = ()
    factor_linked_alone: bool = False
    factor_declined: bool = False  # a person answered "None of these"

    @property
    def missing(self) -> tuple[str, ...]:
        given = {"owner": self.owner_id, "deadline": self.deadline, "priority": self.priority}
        return tuple(name for name, value in given.items() if value is None)


@dataclass(frozen=True)
class CitationNotice:
    """A reply citing a timeline line for a factor (`F2: see 22:31 deploy`): the line it
    attached, or, when it could not tell which, the lines it may mean (maybe none).
    Times are shown in `zone`, the poster's own, as they typed them."""

    label: str
    cited: str
    zone: str
    user_id: str | None
    chosen: TimelineEntry | None = None
    candidates: tuple[TimelineEntry, ...] = ()
