"""INSERT … ON CONFLICT, for the two dialects the bot supports: every such statement is
built here.

`insert_ignoring_conflicts` does nothing on a conflict, `insert_or_update` updates
the row it ran into. Both return the statement unexecuted: add `.returning(...)` to
learn what happened (a conflict ignored returns no row). `insert_all_ignoring_conflicts`
is the first for many rows at once, and runs it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import BindParameter, Select, Table, Text, bindparam, func, select, true
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

    One statement for the lot, run here. A column with the same value in every row (the
    post-mortem, the source, the empty ones) is one parameter of the statement, so the
    driver handles a value per row only where there is one. The rest: on PostgreSQL one
    array per column, unnested (`_unnested`), a short statement that psycopg parses once
    and the server plans with its values, where multi-row VALUES would make psycopg
    re-parse ten thousand placeholders per page; on SQLite one JSON text (`_from_json`).
    """
    if not rows:
        return []
    table = cast(Table, model.__table__)
    target = list(index_elements)
    first = rows[0]
    varying = [name for name in first if any(row[name] != first[name] for row in rows)]
    once = {n: bindparam(f"row_{n}", first[n], type_=table.c[n].type) for n in first}
    if session.get_bind().dialect.name == "postgresql":
        selected = _unnested(table, first, varying, rows, once)
        insert: postgresql.Insert | sqlite.Insert = postgresql.insert(table)
    else:
        selected = _from_json(session, table, first, varying, rows, once)
        insert = sqlite.insert(table)
    statement = insert.from_select(list(first), selected).on_conflict_do_nothing(
        index_elements=target
    )
    return list(session.scalars(statement.returning(table.c[returning])))


def _unnested(
    table: Table,
    names: Iterable[str],
    varying: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    once: Mapping[str, BindParameter[Any]],
) -> Select[Any]:
    """`rows` as a SELECT (PostgreSQL): each of the `varying` columns unnested from one
    array, the rest given `once`."""
    if not varying:
        return select(*(once[n] for n in names))
    arrays = [
        bindparam(f"rows_{n}", [row[n] for row in rows], type_=ARRAY(table.c[n].type))
        for n in varying
    ]
    source = func.unnest(*arrays).table_valued(*varying, name="page").render_derived()
    return select(*(source.c[n] if n in varying else once[n] for n in names))


def _from_json(
    session: Session,
    table: Table,
    names: Iterable[str],
    varying: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    once: Mapping[str, BindParameter[Any]],
) -> Select[Any]:
    """`rows` as a SELECT (SQLite): the `varying` columns, as their types store them, in
    one JSON array of arrays read back with `json_each`, the rest given `once`. SQLite
    parses the JSON in C, where SQLAlchemy would handle each value of each row in Python.
    `WHERE true`: SQLite reads an ON CONFLICT after a bare FROM as the join's."""
    if not varying:
        return select(*(once[n] for n in names))
    dialect = session.get_bind().dialect
    stored = [
        table.c[n].type.dialect_impl(dialect).bind_processor(dialect) or _as_is for n in varying
    ]
    pairs = list(zip(varying, stored, strict=True))
    encoded = json.dumps([[store(row[n]) for n, store in pairs] for row in rows])
    source = func.json_each(bindparam("rows", encoded, type_=Text())).table_valued(
        "value", name="page"
    )
    at = {n: func.json_extract(source.c.value, f"$[{i}]") for i, n in enumerate(varying)}
    return select(*(at[n] if n in at else once[n] for n in names)).where(true())


def _as_is(value: Any) -> Any:
    return value


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
