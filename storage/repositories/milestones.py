"""The milestones people set or confirmed, one per post-mortem and name. Never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import Milestone
from storage.upsert import insert_or_update


def list_for(session: Session, postmortem_id: int) -> list[Milestone]:
    query = select(Milestone).where(Milestone.postmortem_id == postmortem_id)
    return list(session.scalars(query.order_by(Milestone.id)))


def save(
    session: Session,
    *,
    team_id: str,
    postmortem_id: int,
    name: str,
    occurred_at: datetime,
    origin: str,
    ref: str | None,
    set_by: str,
    set_at: datetime,
) -> None:
    """Set `name` on the post-mortem, replacing what anyone set before (last writer wins)."""
    changed = {
        "occurred_at": occurred_at,
        "origin": origin,
        "ref": ref,
        "set_by": set_by,
        "set_at": set_at,
    }
    statement = insert_or_update(
        session,
        Milestone,
        index_elements=("postmortem_id", "name"),
        set_=changed,
        team_id=team_id,
        postmortem_id=postmortem_id,
        name=name,
        **changed,
    )
    session.execute(statement)


def clear(session: Session, postmortem_id: int, name: str) -> bool:
    """Forget a person's setting of `name`: what the data says counts again."""
    statement = delete(Milestone).where(
        Milestone.postmortem_id == postmortem_id, Milestone.name == name
    )
    return bool(changed_rows(session, statement))
