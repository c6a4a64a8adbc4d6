"""INSERT … ON CONFLICT, for the two dialects the bot supports: every such statement is
built here.

`insert_ignoring_conflicts` does nothing on a conflict, `insert_or_update` updates
the row it ran into. Both return the statement unexecuted: add `.returning(...)` to
learn what happened (a conflict ignored returns no row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    """
    target = list(index_elements) if index_elements is not None else None
    return _insert(session, model, values).on_conflict_do_nothing(index_elements=target)


def insert_or_update(
    session: Session,
    model: type,
    *,
    index_elements: Sequence[str],
    set_: Mapping[str, Any],
    **values: Any,
) -> Insert:
    """The INSERT of `values`, or, when a row with the same `index_elements` is there
    already, the UPDATE of that row with `set_`: two racing writers both succeed."""
    return _insert(session, model, values).on_conflict_do_update(
        index_elements=list(index_elements), set_=dict(set_)
    )


def _insert(
    session: Session, model: type, values: Mapping[str, Any]
) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).values(**values)
