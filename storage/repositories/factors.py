"""Contributing factors, one per why-chain. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Factor


def get(session: Session, factor_id: int) -> Factor | None:
    return session.get(Factor, factor_id)


def get_by_chain(session: Session, postmortem_id: int, chain: int) -> Factor | None:
    query = select(Factor).where(Factor.postmortem_id == postmortem_id, Factor.chain == chain)
    return session.scalars(query).one_or_none()


def add_unless_exists(session: Session, factor: Factor) -> Factor:
    try:
        with session.begin_nested():
            session.add(factor)
    except IntegrityError:
        existing = get_by_chain(session, factor.postmortem_id, factor.chain)
        if existing is None:
            raise
        return existing
    return factor


def list_for(session: Session, postmortem_id: int) -> list[Factor]:
    query = select(Factor).where(Factor.postmortem_id == postmortem_id).order_by(Factor.chain)
    return list(session.scalars(query))
