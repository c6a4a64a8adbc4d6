"""Contributing factors: one per why-chain (chain 0 is the immediate cause).

A factor's text is the deepest answer of its chain; its kind is the bot's
guess from the chain's answers until someone picks one; its layer is set when
the chain closes (systemic when the team says so) and can be changed later.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.interview import IMMEDIATE_CHAIN, KINDS, LAYERS, suggest_kind, suggest_layer
from bot.core.interview_views import FactorNotice
from bot.core.slack_text import escape
from bot.errors import BadArguments, NotFound
from bot.services.interview_outcome import factor_notice
from storage.models import Answer, Factor
from storage.repositories import factors, interviews


def note_answer(session: Session, answer: Answer) -> None:
    """Keep the chain's factor in step with a new or edited trigger or why answer."""
    if answer.chain is None or answer.skipped or answer.question not in ("trigger", "why"):
        return
    factor = factors.add_unless_exists(
        session,
        Factor(
            team_id=answer.team_id,
            postmortem_id=answer.postmortem_id,
            chain=answer.chain,
            layer=suggest_layer("", chain=answer.chain),
            text=answer.text,
        ),
    )
    chain_answers = _chain_answers(session, answer.postmortem_id, answer.chain)
    if chain_answers:
        factor.text = chain_answers[-1].text
    if factor.kind_chosen_by is None:
        factor.kind = suggest_kind(" ".join(a.text for a in chain_answers))


def close(session: Session, postmortem_id: int, chain: int, *, systemic: bool) -> Factor | None:
    """The chain is done: settle its layer (the team's word, else the bot's reading)."""
    factor = factors.get_by_chain(session, postmortem_id, chain)
    if factor is None:
        return None
    factor.layer = suggest_layer(factor.text, chain=chain, marked_systemic=systemic)
    return factor


def reopen(session: Session, postmortem_id: int, chain: int) -> None:
    factor = factors.get_by_chain(session, postmortem_id, chain)
    if factor is not None and chain != IMMEDIATE_CHAIN:
        factor.layer = "contributing"


def choose(
    session: Session,
    postmortem_id: int,
    chain: int,
    *,
    user_id: str,
    kind: str | None = None,
    layer: str | None = None,
) -> FactorNotice:
    """A person sets a factor's kind or layer; the bot stops guessing its kind."""
    factor = factors.get_by_chain(session, postmortem_id, chain)
    if factor is None:
        raise NotFound(f"F{chain} does not exist in this post-mortem.")
    if kind is not None:
        if kind not in KINDS:
            raise BadArguments(f"`{escape(kind)}` is not a kind; use one of {', '.join(KINDS)}.")
        factor.kind, factor.kind_chosen_by = kind, user_id
    if layer is not None:
        if layer not in LAYERS:
            raise BadArguments(f"`{escape(layer)}` is not a layer; use one of {', '.join(LAYERS)}.")
        factor.layer = layer
    return factor_notice(factor)


def _chain_answers(session: Session, postmortem_id: int, chain: int) -> list[Answer]:
    """The answers that count in a chain, shallowest first (the latest one per level)."""
    latest: dict[int, Answer] = {}
    for answer in interviews.list_answers(session, postmortem_id):
        if answer.chain == chain and not answer.skipped and answer.question in ("trigger", "why"):
            latest[answer.depth or 0] = answer
    return [latest[depth] for depth in sorted(latest)]
