"""INSERT … ON CONFLICT, for the two dialects the bot supports: every such statement is
built here.

`insert_ignoring_conflicts` does nothing on a conflict, `insert_or_update` updates
the row it ran into. Both return the statement unexecuted: add `.returning(...)` to
learn what happened (a conflict ignored returns no row). `insert_all_ignoring_conflicts`
is the first for many rows at once, and runs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Session
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


def insert_all_ignoring_conflicts(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    *,
    index_elements: Sequence[str],
    returning: str,
) -> list[Any]:
    """Insert `rows` (column -> value, the same columns in each), skipping every row that
    conflicts on `index_elements`; returns the `returning` column of the rows that went in.

    One statement for the lot, run here. On PostgreSQL the rows travel as one array per
    column through `unnest` (`_unnested`): a short statement that psycopg parses once and
    the server plans with its values, where multi-row VALUES would make psycopg re-parse
    ten thousand placeholders per page. On SQLite, SQLAlchemy's multi-row VALUES batches.
    """
    if not rows:
        return []
    table = cast(Table, model.__table__)
    target = list(index_elements)
    if session.get_bind().dialect.name != "postgresql":
        batches = sqlite.insert(table).on_conflict_do_nothing(index_elements=target)
        return list(session.scalars(batches.returning(table.c[returning]), list(rows)))
    names = list(rows[0])
    insert = postgresql.insert(table).from_select(names, _unnested(table, names, rows))
    statement = insert.on_conflict_do_nothing(index_elements=target)
    return list(session.scalars(statement.returning(table.c[returning])))


def _unnested(table: Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> Select[Any]:
    """`rows` as a SELECT: the columns that differ from row to row unnested from one array
    each, the ones with the same value in every row (the post-mortem, the source) given
    once, so the driver and the server handle a value per row only where there is one."""
    first = rows[0]
    varying = [name for name in names if any(row[name] != first[name] for row in rows)]
    if not varying:  # one row, or the same row again: it goes in once at most anyway
        return select(*(bindparam(f"row_{n}", first[n], type_=table.c[n].type) for n in names))
    arrays = [
        bindparam(f"rows_{n}", [row[n] for row in rows], type_=ARRAY(table.c[n].type))
        for n in varying
    ]
    source = func.unnest(*arrays).table_valued(*varying).render_derived()
    return select(
        *(
            source.c[n] if n in varying else bindparam(f"row_{n}", first[n], type_=table.c[n].type)
            for n in names
        )
    )


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
