"""What an interview use case decided, for the flow to say in the thread.

Services return these plain values (and the notices of `bot.core.interview_views`,
built from the stored rows here); `bot.slack.interview_blocks` turns them into
messages and `bot.flows.interview_thread` posts them, so no service talks to
Slack and no listener decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.action_items import item_code
from bot.core.interview_views import (
    CitationNotice,
    FactorNotice,
    FindingNotice,
    ItemNotice,
    QuestionView,
)
from storage.models import ActionItem, Factor


@dataclass(frozen=True)
class Thread:
    postmortem_id: int
    team_id: str
    channel_id: str
    thread_ts: str


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
    # An edit took away the blaming wording the bot had pushed back on: whose answer.
    resolved_by: str | None = None
    # A reply that cites a timeline line for a factor ("F2: see 22:31 deploy").
    citation: CitationNotice | None = None


def factor_notice(factor: Factor) -> FactorNotice:
    return FactorNotice(
        factor.postmortem_id,
        factor.chain,
        factor.layer,
        factor.kind,
        factor.text,
        factor.kind_chosen_by is not None,
    )


def item_notice(
    item: ActionItem,
    factor: Factor | None,
    *,
    created: bool,
    unknown_owner: str | None = None,
) -> ItemNotice:
    return ItemNotice(
        code=item_code(item.number),
        action=item.action,
        owner_id=item.owner_id,
        deadline=item.deadline,
        priority=item.priority,
        factor_chain=factor.chain if factor else None,
        factor_kind=factor.kind if factor else None,
        vague_kept=item.vague_kept,
        created=created,
        unknown_owner=unknown_owner,
        item_id=item.id,
        author_id=item.created_by,
        not_announced=item.not_announced,
    )
