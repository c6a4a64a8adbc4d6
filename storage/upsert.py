"""INSERT … ON CONFLICT DO NOTHING, for the two dialects the bot supports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(
    session: Session, model: type, *, index_elements: Sequence[str] | None = None, **values: Any
) -> Insert:
    """The INSERT of `values`, doing nothing on a conflict.

    `index_elements` names the unique columns whose conflict is expected (the
    idempotency key); a conflict on any other constraint then still raises.
    Add `.returning(...)` to learn whether the row was inserted: a conflict
    returns no row.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    target = list(index_elements) if index_elements is not None else None
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=target)
