"""Action items written in the interview thread or the "Add action item" modal.

A reply in the action-items stage is parsed for owner, deadline (in the
author's timezone) and priority, numbered AI-001, AI-002…, and tied to the
factor it addresses. A vague one is not recorded until its reply is edited
into something verifiable, or the team answers `keep`. A reply that only
gives fields ("AI-002 <@U1> by Friday", or just "<@U1> high" after an item
that lacked them) completes an item instead. Done/snooze/deadline changes
belong to `action_item_status`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.core.action_items import (
    ParsedActionItem,
    find_vagueness,
    item_code,
    parse_action_item,
    split_code,
)
from bot.core.factor_labels import factor_code
from bot.core.interview_views import FindingNotice, ItemNotice
from bot.core.language import Finding
from bot.errors import BadArguments, NotFound
from bot.services import pushback
from bot.services.interview_outcome import item_notice
from storage.models import ActionItem, Answer, Factor
from storage.repositories import action_items, factors, findings, open_items

_FACTOR_REF = re.compile(
    r"[\s,;]*[(\[]?\b(?:for\s+)?(?:F|[Ff]actor\s*#?)(?P<chain>\d{1,2})\b[)\]]?"
)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

Timezone = Callable[[], str]
Result = tuple[list[ItemNotice], list[FindingNotice]]


@dataclass(frozen=True)
class ItemForm:
    """What the modal collected; every field but the factor is required there."""

    action: str
    owner_id: str
    deadline: date
    priority: str
    factor_chain: int | None
    keep_vague: bool


def from_answer(session: Session, answer: Answer, *, now: datetime, tz: Timezone) -> Result:
    """An action-items reply: complete an item, push back on a vague one, or record it."""
    completion = _completion_target(session, answer, now=now, tz=tz)
    if completion is not None:
        item, parsed, chain = completion
        return [_complete(session, item, parsed, chain)], []
    text, chain = _without_factor_ref(answer.text)
    vague = find_vagueness(text)
    if vague:
        return [], [pushback.add(session, answer, vague[0])]
    return [_create(session, answer, now=now, tz=tz)], []


def after_edit(session: Session, answer: Answer, *, now: datetime, tz: Timezone) -> Result:
    """Re-read an edited action-items reply: refine its item, or accept it once concrete."""
    item = action_items.get_by_answer(session, answer.id)
    text, chain = _without_factor_ref(answer.text)
    if item is None:
        if not findings.for_answer(session, answer.id, pushback.VAGUE):
            return from_answer(session, answer, now=now, tz=tz)
        vague = find_vagueness(text)
        if vague:
            return [], _push_back_once(session, answer, vague[0].phrase, vague)
        pushback.resolve_open(session, answer.id, pushback.VAGUE)
        return [_create(session, answer, now=now, tz=tz)], []
    parsed = parse_action_item(text, now=now, tz=tz())
    item.action = parsed.action or item.action
    notice = _complete(session, item, parsed, chain)
    vague = [] if item.vague_kept else find_vagueness(text)
    if not vague:
        pushback.resolve_open(session, answer.id, pushback.VAGUE)
        return [notice], []
    return [notice], _push_back_once(session, answer, vague[0].phrase, vague)


def keep_vague(session: Session, answer: Answer, *, now: datetime, tz: Timezone) -> ItemNotice:
    """`keep` on a vague item: record it as written, marked vague for the report."""
    existing = action_items.get_by_answer(session, answer.id)
    if existing is not None:
        existing.vague_kept = True
        return item_notice(existing, _factor(session, existing), created=False)
    return _create(session, answer, now=now, tz=tz, vague_kept=True)


def from_form(
    session: Session, *, postmortem_id: int, team_id: str, user_id: str, form: ItemForm
) -> ItemNotice:
    link = _factor_link(session, postmortem_id, form.factor_chain)
    factor = link.factor
    item = ActionItem(
        team_id=team_id,
        postmortem_id=postmortem_id,
        action=form.action.strip(),
        owner_id=form.owner_id,
        deadline=form.deadline,
        priority=form.priority,
        factor_id=factor.id if factor else None,
        vague_kept=form.keep_vague and bool(find_vagueness(form.action)),
        created_by=user_id,
    )
    action_items.add_numbered(session, item)
    return link.told(item_notice(item, factor, created=True))


def form_problem(action: str, keep: bool) -> str | None:
    """Why the modal's action cannot be accepted as it is, or None."""
    if not action.strip():
        return "Say what will be done."
    vague = find_vagueness(_without_factor_ref(action)[0])
    if vague and not keep:
        return f"{vague[0].why}. {vague[0].suggestion}"
    return None


def _create(
    session: Session, answer: Answer, *, now: datetime, tz: Timezone, vague_kept: bool = False
) -> ItemNotice:
    text, chain = _without_factor_ref(answer.text)
    parsed = parse_action_item(text, now=now, tz=tz())
    link = _factor_link(session, answer.postmortem_id, chain)
    factor = link.factor
    owner, unknown = _owner(parsed)
    item = ActionItem(
        team_id=answer.team_id,
        postmortem_id=answer.postmortem_id,
        action=parsed.action or text.strip(),
        owner_id=owner,
        deadline=parsed.deadline,
        priority=parsed.priority,
        factor_id=factor.id if factor else None,
        vague_kept=vague_kept,
        created_by=answer.author_id,
        answer_id=answer.id,
    )
    action_items.add_numbered(session, item)
    for finding in findings.for_answer(session, answer.id, pushback.VAGUE):
        finding.action_item_id = item.id  # the pushback is now about this item
    return link.told(item_notice(item, factor, created=True, unknown_owner=unknown))


def _completion_target(
    session: Session, answer: Answer, *, now: datetime, tz: Timezone
) -> tuple[ActionItem, ParsedActionItem, int | None] | None:
    """The item a reply completes ("AI-002 by Friday", or bare fields), with the fields."""
    coded = split_code(answer.text)
    if coded:
        number, rest = coded
        item = action_items.get_by_number(session, answer.postmortem_id, number)
        if item is None:
            raise BadArguments(f"There is no {item_code(number)} in this post-mortem.")
        rest, chain = _without_factor_ref(rest)
        return item, parse_action_item(rest, now=now, tz=tz()), chain
    text, chain = _without_factor_ref(answer.text)
    parsed = parse_action_item(text, now=now, tz=tz())
    if _has_words(parsed.action) or (len(parsed.missing) == 3 and chain is None):
        return None
    item = action_items.latest_incomplete(session, answer.postmortem_id, answer.author_id)
    return (item, parsed, chain) if item is not None else None


def _complete(
    session: Session, item: ActionItem, parsed: ParsedActionItem, chain: int | None
) -> ItemNotice:
    owner, unknown = _owner(parsed)
    item.owner_id = owner or item.owner_id
    item.deadline = parsed.deadline or item.deadline
    item.priority = parsed.priority or item.priority
    if chain is not None:
        factor = factors.get_by_chain(session, item.postmortem_id, chain)
        if factor is None:
            raise BadArguments(f"There is no {factor_code(chain)} in this post-mortem.")
        item.factor_id = factor.id
    return item_notice(item, _factor(session, item), created=False, unknown_owner=unknown)


def _push_back_once(
    session: Session, answer: Answer, phrase: str, vague: list[Finding]
) -> list[FindingNotice]:
    """Push back on an edit only when it is vague in a new way; one open finding per reply."""
    open_ones = [
        f
        for f in findings.for_answer(session, answer.id, pushback.VAGUE)
        if f.status == findings.OPEN
    ]
    if any(f.phrase == phrase for f in open_ones):
        return []
    for finding in open_ones:
        finding.status = findings.RESOLVED
    return [pushback.add(session, answer, vague[0])]


@dataclass(frozen=True)
class _Link:
    """The factor an item addresses as people said (`(F2)`), the only factor there is, or
    none yet, with the factors to ask about."""

    factor: Factor | None
    alone: bool = False
    ask: tuple[Factor, ...] = ()

    def told(self, notice: ItemNotice) -> ItemNotice:
        choices = tuple((f.chain, f.text) for f in self.ask)
        return replace(notice, factor_choices=choices, factor_linked_alone=self.alone)


def _factor_link(session: Session, postmortem_id: int, chain: int | None) -> _Link:
    """Never a guess: a factor named that does not exist, or none named among several,
    is asked about (buttons under the item's notice)."""
    candidates = factors.list_for(session, postmortem_id)
    if chain is not None:
        named = next((f for f in candidates if f.chain == chain), None)
        if named is not None:
            return _Link(named)
    if len(candidates) == 1 and chain is None:
        return _Link(candidates[0], alone=True)
    return _Link(None, ask=tuple(candidates))


def postmortem_of(session: Session, team_id: str, item_id: int) -> int:
    """The post-mortem of an item a button names, if it is this workspace's."""
    row = open_items.get(session, item_id)
    if row is None or row[0].team_id != team_id:
        raise NotFound("That action item no longer exists.")
    return row[0].postmortem_id


def link_factor(
    session: Session, postmortem_id: int, item_id: int, chain: int | None
) -> ItemNotice:
    """A person answered which factor the item addresses (`None`: none of these)."""
    row = open_items.get(session, item_id)
    if row is None or row[0].postmortem_id != postmortem_id:
        raise NotFound("That action item no longer exists.")
    item = row[0]
    factor = None
    if chain is not None:
        factor = factors.get_by_chain(session, postmortem_id, chain)
        if factor is None:
            raise BadArguments(f"There is no {factor_code(chain)} in this post-mortem any more.")
    item.factor_id = factor.id if factor else None
    return replace(item_notice(item, factor, created=False), factor_declined=factor is None)


def _factor(session: Session, item: ActionItem) -> Factor | None:
    return factors.get(session, item.factor_id) if item.factor_id else None


def _owner(parsed: ParsedActionItem) -> tuple[str | None, str | None]:
    """A Slack user id, or None and the name we could not place ("@bob" typed as text)."""
    if parsed.owner is None:
        return None, None
    if _USER_ID.match(parsed.owner):
        return parsed.owner, None
    return None, parsed.owner


def _without_factor_ref(text: str) -> tuple[str, int | None]:
    match = _FACTOR_REF.search(text)
    if match is None:
        return text, None
    return (text[: match.start()] + text[match.end() :]).strip(), int(match["chain"])


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3,}", text))
