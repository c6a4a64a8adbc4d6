"""Use cases of the threaded interview: ask, take a reply or an edit, press a button.

The state lives only in the database (`Interview`), so a restarted bot
resumes where it was. Each reply is filed under the question open when it is
taken: the state moves on with a compare-and-set on `Interview.version`, and
an answer that lost a race is re-filed under the next question, so two
answers arriving at once are both kept, in the order the bot took them.
A reply is idempotent on its message ts (and its event id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import interview as machine
from bot.core.interview import Command, State, Step
from bot.core.interview_views import FactorNotice, ItemNotice, QuestionView
from bot.core.report_evidence import Citation, parse_citation
from bot.errors import BadArguments, NotFound
from bot.services import (
    action_items,
    deliveries,
    factor_evidence,
    factors,
    postmortems,
    pushback,
)
from bot.services.action_items import ItemForm
from bot.services.interview_outcome import Outcome, Thread, factor_notice, item_notice
from storage.models import ActionItem, Answer, Factor, Interview, Postmortem
from storage.repositories import action_items as item_rows
from storage.repositories import factors as factor_rows
from storage.repositories import interviews
from storage.repositories import postmortems as postmortem_rows

ATTEMPTS = 8
Timezone = Callable[[], str]
Move = Callable[[State, dict[int, int]], Step]


@dataclass(frozen=True)
class Reply:
    """A message in a channel, as the interview needs it."""

    team_id: str
    channel_id: str
    ts: str
    thread_ts: str | None
    user_id: str | None
    text: str


class _StateChanged(Exception):
    """Someone moved the interview between our read and our write."""


class _Duplicate(Exception):
    """The same message was filed meanwhile, by a second delivery of it."""


def postmortem_of_thread(
    session: Session, team_id: str, channel_id: str, thread_ts: str | None
) -> Postmortem | None:
    """The post-mortem whose interview thread this is, if any."""
    if not thread_ts:
        return None
    postmortem = postmortem_rows.get_by_channel(session, team_id, channel_id)
    return postmortem if postmortem and postmortem.thread_ts == thread_ts else None


def begin(session: Session, postmortem_id: int) -> Outcome:
    """Open the interview if need be; the question to ask now (also how it resumes)."""
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    if postmortem.thread_ts is None:
        raise NotFound("This post-mortem has no thread yet: run `/postmortem start` again.")
    interview, opened = _open(session, postmortem)
    outcome = Outcome(_thread(postmortem), question=_question(session, interview, fresh=opened))
    outcome.items += _not_announced(session, postmortem.id)
    return outcome


def record_announcement(session: Session, item_id: int, refused: str | None) -> None:
    """Whether an item's notice reached the thread: None once it did, else Slack's error."""
    item = session.get(ActionItem, item_id)
    if item is not None:
        item.not_announced = refused[:32] if refused else None


def _not_announced(session: Session, postmortem_id: int) -> list[ItemNotice]:
    """The items whose notice Slack refused, to announce again (the retry path)."""
    return [
        item_notice(
            item, session.get(Factor, item.factor_id) if item.factor_id else None, created=True
        )
        for item in item_rows.list_for(session, postmortem_id)
        if item.not_announced
    ]


def begin_in_channel(session: Session, team_id: str, channel_id: str) -> Outcome:
    postmortem = postmortems.get_for_channel_or_raise(session, team_id, channel_id)
    return begin(session, postmortem.id)


def take_reply(
    session: Session, reply: Reply, *, event_id: str | None, now: datetime, tz: Timezone
) -> Outcome | None:
    """File a thread reply (an answer or a command); None when there is nothing to say."""
    postmortem = postmortem_of_thread(session, reply.team_id, reply.channel_id, reply.thread_ts)
    if postmortem is None:
        return None
    interview = _ensure(session, postmortem)
    interviews.take_writer_lock(session, interview.postmortem_id)
    if not deliveries.first_time(session, "slack", event_id, team_id=reply.team_id):
        return None
    if interviews.answer_by_message(session, postmortem.id, reply.ts) is not None:
        return None
    citation = parse_citation(reply.text)
    if citation is not None:
        return _cite(session, postmortem, reply, citation, tz)
    word = machine.parse_command(reply.text)
    if word is None and interview.stage == "done":
        return None  # talk after the interview is not an answer
    if word is Command.KEEP:
        return _keep(session, postmortem, reply, now=now, tz=tz)
    if word is None:
        move: Move = lambda state, depths: machine.answer(state)  # noqa: E731
    else:
        move = lambda state, depths: machine.command(state, word, depths)  # noqa: E731
    return _move(session, postmortem, move, reply=reply, now=now, tz=tz)


def take_edit(
    session: Session, reply: Reply, *, edited_at: datetime, now: datetime, tz: Timezone
) -> Outcome | None:
    """Re-read an edited answer: its text, its findings, its action item. The state stays."""
    postmortem = postmortem_of_thread(session, reply.team_id, reply.channel_id, reply.thread_ts)
    if postmortem is None:
        return None
    interviews.take_writer_lock(session, postmortem.id)
    answer = interviews.answer_by_message(session, postmortem.id, reply.ts)
    if answer is None:
        return _cite_edited(session, postmortem, reply, tz)
    if answer.skipped or answer.text == reply.text:
        return None
    if answer.edited_at is not None and answer.edited_at >= edited_at:
        return None  # a later edit was applied already
    held = pushback.is_held(session, answer)
    answer.text, answer.edited_at = reply.text, edited_at
    outcome = Outcome(_thread(postmortem), findings=pushback.recheck_answer(session, answer))
    if held and not pushback.is_held(session, answer):
        # The edit resolved the pushback: say so, accept it, and ask with the new words.
        outcome.resolved_by, outcome.accepted_ts = answer.author_id or "", reply.ts
        interview = interviews.get(session, postmortem.id)
        if interview is not None and interview.stage not in ("actions", "done"):
            outcome.question = _question(session, interview)
    factors.note_answer(session, answer)
    if answer.question == "actions":
        try:
            items, vague = action_items.after_edit(session, answer, now=now, tz=tz)
        except BadArguments as error:
            return _refusal(outcome, reply.user_id, str(error))
        outcome.items += items
        outcome.findings += vague
        if any(item.created for item in items):
            outcome.accepted_ts = reply.ts
    return outcome


def press(
    session: Session, postmortem_id: int, chain: int, button: Command, *, team_id: str
) -> Outcome:
    """The "This is systemic" or "Go deeper" button, clicked for `chain`."""
    postmortem = _owned(session, postmortem_id, team_id)
    _ensure(session, postmortem)
    interviews.take_writer_lock(session, postmortem_id)
    if button is Command.SYSTEMIC:
        move: Move = lambda state, depths: machine.mark_systemic(state, chain)  # noqa: E731
    elif button is Command.DEEPER:
        move = lambda state, depths: machine.go_deeper(state, chain, depths)  # noqa: E731
    else:
        raise ValueError(f"no button for {button}")
    outcome = _move(session, postmortem, move, reply=None, now=None, tz=None)
    if outcome.refusal:
        raise BadArguments(outcome.refusal)
    return outcome


def choose_factor(
    session: Session,
    postmortem_id: int,
    chain: int,
    *,
    team_id: str,
    user_id: str,
    kind: str | None = None,
    layer: str | None = None,
) -> tuple[Thread, FactorNotice]:
    postmortem = _owned(session, postmortem_id, team_id)
    notice = factors.choose(session, postmortem_id, chain, user_id=user_id, kind=kind, layer=layer)
    return _thread(postmortem), notice


def factors_of(session: Session, postmortem_id: int, team_id: str) -> list[FactorNotice]:
    _owned(session, postmortem_id, team_id)
    return [factor_notice(factor) for factor in factor_rows.list_for(session, postmortem_id)]


def add_item(
    session: Session, postmortem_id: int, form: ItemForm, *, team_id: str, user_id: str
) -> Outcome:
    """An action item from the modal, announced in the thread."""
    postmortem = _owned(session, postmortem_id, team_id)
    notice = action_items.from_form(
        session, postmortem_id=postmortem_id, team_id=team_id, user_id=user_id, form=form
    )
    return Outcome(_thread(postmortem), items=[notice])


def is_current(session: Session, postmortem_id: int, version: int) -> bool:
    interview = interviews.get(session, postmortem_id)
    return interview is not None and interview.version == version


def record_prompt(session: Session, postmortem_id: int, prompt_ts: str, version: int) -> None:
    interviews.set_prompt(session, postmortem_id, prompt_ts, version)


def _move(
    session: Session,
    postmortem: Postmortem,
    move: Move,
    *,
    reply: Reply | None,
    now: datetime | None,
    tz: Timezone | None,
) -> Outcome:
    for attempt in range(ATTEMPTS):
        try:
            with session.begin_nested():
                outcome, step = _apply(session, postmortem, move, reply=reply, now=now, tz=tz)
        except _StateChanged:
            continue
        except _Duplicate:
            return Outcome(_thread(postmortem))
        except BadArguments as error:
            user_id = reply.user_id if reply else None
            return _refusal(Outcome(_thread(postmortem)), user_id, str(error))
        if attempt and step.slot is not None and outcome.accepted_ts:
            # Another answer took the question this one was meant for; say where it went.
            outcome.note = machine.describe(step.slot)
        return outcome
    raise RuntimeError(f"the interview of post-mortem {postmortem.id} kept changing")


def _apply(
    session: Session,
    postmortem: Postmortem,
    move: Move,
    *,
    reply: Reply | None,
    now: datetime | None,
    tz: Timezone | None,
) -> tuple[Outcome, Step]:
    interview = interviews.get(session, postmortem.id)
    assert interview is not None
    before = _state(interview)
    step = move(before, interviews.chain_depths(session, postmortem.id))
    outcome = Outcome(_thread(postmortem))
    if step.slot is not None and reply is not None:
        _record(session, postmortem, step, reply, outcome, now=now, tz=tz)
    _settle_chains(session, postmortem.id, step, outcome)
    if step.state == before and step.slot is None:
        outcome.question = _question(session, interview)  # asked again, nothing changed
        return outcome, step
    new = step.state
    if not interviews.compare_and_set(
        session, postmortem.id, interview.version, stage=new.stage, chain=new.chain, depth=new.depth
    ):
        raise _StateChanged
    interview = interviews.get(session, postmortem.id)
    assert interview is not None
    if new != before:
        outcome.question = _question(session, interview)
    return outcome, step


def _record(
    session: Session,
    postmortem: Postmortem,
    step: Step,
    reply: Reply,
    outcome: Outcome,
    *,
    now: datetime | None,
    tz: Timezone | None,
) -> None:
    assert step.slot is not None
    answer = Answer(
        team_id=postmortem.team_id,
        postmortem_id=postmortem.id,
        question=step.slot.question,
        chain=step.slot.chain,
        depth=step.slot.depth,
        text="" if step.skipped else reply.text,
        author_id=reply.user_id,
        message_ts=reply.ts,
        skipped=step.skipped,
    )
    if not interviews.add_answer(session, answer):
        raise _Duplicate
    outcome.accepted_ts = reply.ts
    if step.skipped:
        return
    outcome.findings += pushback.check_answer(session, answer)
    if pushback.is_held(session, answer):
        outcome.accepted_ts = None  # held: no ✅ until it is edited or kept
    factors.note_answer(session, answer)
    if answer.question == "actions" and now is not None and tz is not None:
        items, vague = action_items.from_answer(session, answer, now=now, tz=tz)
        outcome.items += items
        outcome.findings += vague
        if vague:
            outcome.accepted_ts = None


def _settle_chains(session: Session, postmortem_id: int, step: Step, outcome: Outcome) -> None:
    if step.reopened_chain is not None:
        factors.reopen(session, postmortem_id, step.reopened_chain)
    if step.closed_chain is not None:
        factor = factors.close(session, postmortem_id, step.closed_chain, systemic=step.systemic)
        if factor is not None:
            outcome.factors.append(factor_notice(factor))


def _keep(
    session: Session, postmortem: Postmortem, reply: Reply, *, now: datetime, tz: Timezone
) -> Outcome:
    outcome = Outcome(_thread(postmortem))
    kept = pushback.keep(session, postmortem.id, reply.user_id or "")
    if kept is None:
        return _refusal(outcome, reply.user_id, "There is nothing to keep: no open pushback.")
    answer, kinds = kept
    # A held blaming answer, kept on purpose, gets its ✅ now.
    outcome.accepted_ts = answer.message_ts if pushback.BLAME in kinds else reply.ts
    interview = interviews.get(session, postmortem.id)
    if pushback.BLAME in kinds and interview and interview.stage not in ("actions", "done"):
        outcome.question = _question(session, interview)  # it may quote the kept answer now
    if pushback.VAGUE in kinds and answer.question == "actions":
        outcome.items.append(action_items.keep_vague(session, answer, now=now, tz=tz))
    return outcome


def _cite_edited(
    session: Session, postmortem: Postmortem, reply: Reply, tz: Timezone
) -> Outcome | None:
    """An edited reply that is no answer: a citation read again, or one edited into other
    words, whose evidence goes (its poster is told)."""
    citation = parse_citation(reply.text)
    if citation is not None:
        return _cite(session, postmortem, reply, citation, tz, edited=True)
    label = factor_evidence.withdraw(session, postmortem.id, reply.ts)
    if label is None:
        return None
    return _refusal(
        Outcome(_thread(postmortem)),
        reply.user_id,
        f"Your edited reply no longer cites a timeline line, so the line it attached is no "
        f"longer evidence for {label}.",
    )


def _cite(
    session: Session,
    postmortem: Postmortem,
    reply: Reply,
    citation: Citation,
    tz: Timezone,
    *,
    edited: bool = False,
) -> Outcome | None:
    """A reply citing a timeline line for a factor: attached (✅ and a line in the thread),
    or the poster is shown the lines it may mean. It is no answer: the question stays."""
    outcome = Outcome(_thread(postmortem))
    try:
        notice = factor_evidence.attach(
            session,
            postmortem,
            citation,
            user_id=reply.user_id,
            message_ts=reply.ts,
            zone=tz(),
            edited=edited,
        )
    except BadArguments as error:
        return _refusal(outcome, reply.user_id, str(error))
    if notice is None:
        return None
    outcome.citation = notice
    if notice.chosen is not None:
        outcome.accepted_ts = reply.ts
    return outcome


def _question(session: Session, interview: Interview, *, fresh: bool = False) -> QuestionView:
    """The question to ask now; `fresh`: the interview opened in this transaction, so it
    has no answer to quote or to count yet (the start's first question reads none)."""
    state = _state(interview)
    pm_id = interview.postmortem_id
    quoted = None
    if state.stage == "why" and state.depth == 1:
        quoted = interviews.latest_answer(session, pm_id, "trigger")
    elif state.stage == "why":
        quoted = interviews.latest_answer(session, pm_id, "why", state.chain, state.depth - 1)
    held = quoted is not None and pushback.is_held(session, quoted)
    about = None if held else _text(quoted)
    slot = machine.slot_of(state)
    current = None
    if state.stage not in ("actions", "done") and not fresh:
        current = _text(
            interviews.latest_answer(session, pm_id, slot.question, slot.chain, slot.depth)
        )
    depths = {} if fresh else interviews.chain_depths(session, pm_id)
    return QuestionView(
        state=state,
        version=interview.version,
        about=about,
        current=current,
        chains=sum(1 for chain, depth in depths.items() if chain >= 1 and depth > 0),
        can_close=machine.can_close(state),
        sounds_systemic=state.depth > 1 and machine.sounds_systemic(about or ""),
        about_held=held,
        external=machine.sounds_external(about or ""),
    )


def _owned(session: Session, postmortem_id: int, team_id: str) -> Postmortem:
    """The post-mortem a button or modal names, if it belongs to the clicking workspace."""
    postmortem = postmortem_rows.get(session, postmortem_id)
    if postmortem is None or postmortem.team_id != team_id or postmortem.thread_ts is None:
        raise NotFound("That post-mortem does not exist any more.")
    return postmortem


def _ensure(session: Session, postmortem: Postmortem) -> Interview:
    return _open(session, postmortem)[0]


def _open(session: Session, postmortem: Postmortem) -> tuple[Interview, bool]:
    """The post-mortem's interview, and whether it was opened now (a concurrent start's
    row, found on the insert's conflict, was not)."""
    interview = interviews.get(session, postmortem.id)
    if interview is not None:
        return interview, False
    fresh = Interview(postmortem_id=postmortem.id, team_id=postmortem.team_id)
    row = interviews.add_unless_exists(session, fresh)
    return row, row is fresh


def _state(interview: Interview) -> State:
    stage = interview.stage if interview.stage in machine.STAGES else "summary"
    return State(stage, interview.chain, interview.depth)  # type: ignore[arg-type]


def _thread(postmortem: Postmortem) -> Thread:
    assert postmortem.thread_ts is not None
    return Thread(postmortem.id, postmortem.team_id, postmortem.channel_id, postmortem.thread_ts)


def _text(answer: Answer | None) -> str | None:
    return None if answer is None or answer.skipped else answer.text


def _refusal(outcome: Outcome, user_id: str | None, message: str) -> Outcome:
    outcome.refusal, outcome.refused_user = message, user_id
    return outcome
