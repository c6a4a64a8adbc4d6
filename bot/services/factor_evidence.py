"""Attaching a timeline line to a factor as its evidence: "F2: see 22:31 deploy".

A reply of that form in the interview thread names a factor and a clock time in the
poster's own zone; the line nearest that time whose text holds the words becomes the
factor's evidence, which the report links. The same clock (`reading_clock`) and the same
choice (`pick`) read a `see 22:31 deploy` inside an answer, so both agree. When the bot cannot tell which line is
meant (a tie, or nothing near) nothing is attached and the poster gets the candidates.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.factor_labels import IMMEDIATE_CHAIN, factor_code, factor_label
from bot.core.interview_views import CitationNotice
from bot.core.report_evidence import Citation, pick, reading_clock
from bot.errors import BadArguments
from bot.services.timeline_rows import stored_entries
from storage.models import FactorEvidence, Postmortem
from storage.repositories import evidence as evidence_rows
from storage.repositories import factors as factor_rows


def attach(
    session: Session,
    postmortem: Postmortem,
    citation: Citation,
    *,
    user_id: str | None,
    message_ts: str,
    zone: str,
    edited: bool = False,
) -> CitationNotice | None:
    """Attach the cited line, or say which it may be; None for a reply filed already.
    `zone` is the poster's (`bot.flows.timezones`); a citation that says UTC reads UTC.
    An `edited` reply stands for what it says now: what it attached before goes, unless
    the edit names the same line again (then None, nothing changed)."""
    _require_factor(session, postmortem.id, citation.chain)
    before = evidence_rows.for_message(session, postmortem.id, message_ts) if edited else None
    clock, _ = reading_clock(citation, zone)
    entries, _ = stored_entries(session, postmortem.id)
    found = pick(citation, tuple(entries), clock)
    notice = CitationNotice(
        factor_label(citation.chain),
        citation.cited,
        clock.key,
        user_id,
        chosen=found.chosen,
        candidates=found.candidates,
    )
    if found.chosen is None:
        if before is not None:
            evidence_rows.remove(session, before)
        return notice
    words = " ".join(citation.words)
    if before is not None:
        same = (before.chain, before.source, before.source_key, before.words)
        if same == (citation.chain, found.chosen.source, found.chosen.source_key, words):
            return None
        evidence_rows.remove(session, before)
    row = FactorEvidence(
        team_id=postmortem.team_id,
        postmortem_id=postmortem.id,
        chain=citation.chain,
        source=found.chosen.source,
        source_key=found.chosen.source_key,
        words=words,
        author_id=user_id,
        message_ts=message_ts,
    )
    return notice if evidence_rows.add(session, row) else None


def withdraw(session: Session, postmortem_id: int, message_ts: str) -> str | None:
    """A citing reply edited into something else attaches nothing any more: the label of
    the factor it backed, or None when it had attached nothing."""
    before = evidence_rows.for_message(session, postmortem_id, message_ts)
    if before is None:
        return None
    evidence_rows.remove(session, before)
    return factor_label(before.chain)


def _require_factor(session: Session, postmortem_id: int, chain: int) -> None:
    known = sorted(
        {IMMEDIATE_CHAIN} | {f.chain for f in factor_rows.list_for(session, postmortem_id)}
    )
    if chain in known:
        return
    codes = ", ".join(factor_code(c) for c in known)
    raise BadArguments(
        f"There is no {factor_code(chain)} in this post-mortem: its factors are {codes}."
    )
