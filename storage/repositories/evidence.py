"""Timeline lines cited for a factor (`FactorEvidence`). Never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import FactorEvidence


def add(session: Session, evidence: FactorEvidence) -> bool:
    """Insert `evidence`; False when that reply was filed already (a re-delivery)."""
    try:
        with session.begin_nested():
            session.add(evidence)
    except IntegrityError:
        return False
    return True


def list_for(session: Session, postmortem_id: int) -> list[FactorEvidence]:
    query = (
        select(FactorEvidence)
        .where(FactorEvidence.postmortem_id == postmortem_id)
        .order_by(FactorEvidence.id)
    )
    return list(session.scalars(query))


def for_message(session: Session, postmortem_id: int, message_ts: str) -> FactorEvidence | None:
    """What the citing reply `message_ts` attached, if anything."""
    query = select(FactorEvidence).where(
        FactorEvidence.postmortem_id == postmortem_id, FactorEvidence.message_ts == message_ts
    )
    return session.scalars(query).first()


def remove(session: Session, evidence: FactorEvidence) -> None:
    session.delete(evidence)
    session.flush()
