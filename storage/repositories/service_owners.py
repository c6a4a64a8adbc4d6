"""Which workspace an upstream service belongs to, for any table keyed by the service
(PagerDuty's services by id, monitoring services by label value): the admin's mapping.

Functions take a Session and never commit; `model` is the mapping table and `key` its
key column's name (the table also has `team_id` and `mapped_at`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.upsert import insert_or_update


def map_to(
    session: Session, model: type[Any], key: str, service: str, team_id: str, now: datetime
) -> str | None:
    """Give `service` to `team_id`; returns the workspace it belonged to before, if any."""
    before = owner(session, model, key, service)
    statement = insert_or_update(
        session,
        model,
        index_elements=(key,),
        set_={"team_id": team_id, "mapped_at": now},
        **{key: service, "team_id": team_id, "mapped_at": now},
    )
    session.execute(statement)
    return before


def unmap(session: Session, model: type[Any], key: str, service: str) -> str | None:
    """Take `service` from its workspace; returns that workspace, None if it had none."""
    before = owner(session, model, key, service)
    session.execute(delete(model).where(getattr(model, key) == service))
    return before


def owner(session: Session, model: type[Any], key: str, service: str) -> str | None:
    return session.scalar(select(model.team_id).where(getattr(model, key) == service))
