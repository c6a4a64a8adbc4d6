"""Outside text bounded before it is stored, the same on SQLite and PostgreSQL.

Slack and PagerDuty send text of any length with any character in it. PostgreSQL
refuses a NUL and a value longer than its `VARCHAR(n)`; SQLite takes both. So each
value is normalised on its way into the database, in the column's type, where no
writer (ORM, `INSERT … ON CONFLICT`, a repository's `update()`) can pass it by:

- every C0 control character but tab and newline is dropped (NUL first of all);
- prose (`PROSE`: a title, a name, an error) longer than its column keeps its start
  and ends in "…";
- any other `String(n)` is an identifier (an event id, an incident id, a ts): one
  longer than its column becomes its start and a digest of the whole, so two long ids
  stay two rows, the same long id is the same row, and a lookup by it (which goes
  through the same type) finds it. Nothing is refused, so PagerDuty, which retries
  anything but a 2xx for a day, never sees a 500 for it.

`bound(metadata)` puts these types on every column of the schema when `storage.models`
is imported; a column added later is covered without anyone remembering to. Raw
requests kept for replay (`RAW`) are stored byte for byte: they are checked against
their signature again. The migrations are unchanged: the types are the same SQL types.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import MetaData, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect

ELLIPSIS = "…"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")

# Columns people read: cut short with "…" rather than made unique.
PROSE = frozenset(
    {
        "workspaces.name",
        "postmortems.title",
        "timeline_events.actor",
        "pagerduty_events.agent_name",
        "pagerduty_incidents.service_name",
        "timeline_gaps.location",
        "reminders.error",
        "slack_installations.enterprise_name",
        "slack_installations.team_name",
        "inbox.last_error",
    }
)
# Columns kept exactly as received.
RAW = frozenset({"inbox.payload", "inbox.headers"})


def clean(text: str) -> str:
    """`text` without control characters other than tab and newline."""
    return _CONTROL.sub("", text)


def shorten(text: str, length: int) -> str:
    """Clean prose of at most `length` characters, ending in "…" when it was cut."""
    text = clean(text)
    return text if len(text) <= length else text[: length - 1] + ELLIPSIS


def identifier(text: str, length: int) -> str:
    """A clean identifier of at most `length` characters; a longer one keeps its start
    and ends in "~" and a digest of all of it, the same every time."""
    text = clean(text)
    if len(text) <= length:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()
    suffix = "~" + digest[: max(4, min(16, length // 2))]
    return text[: max(0, length - len(suffix))] + suffix[:length]


class _Bounded(TypeDecorator[str]):
    """`VARCHAR(n)` whose values are normalised by `fit` on their way in."""

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.fit(value, self.length)

    def fit(self, value: str, length: int) -> str:
        raise NotImplementedError


class Prose(_Bounded):
    """Words people read: cleaned, cut with "…"."""

    cache_ok = True  # SQLAlchemy reads it from each class itself

    def fit(self, value: str, length: int) -> str:
        return shorten(value, length)


class Identifier(_Bounded):
    """Ids: cleaned, an over-long one mapped to a unique short one."""

    cache_ok = True

    def fit(self, value: str, length: int) -> str:
        return identifier(value, length)


class CleanText(TypeDecorator[str]):
    """`TEXT` of any length, without control characters (PostgreSQL refuses a NUL)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else clean(value)


def bound(metadata: MetaData) -> None:
    """Give every plain `String(n)` and `Text` column of `metadata` its bounded type."""
    for table in metadata.tables.values():
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            kind = type(column.type)
            if name in RAW:
                continue
            if kind is String and column.type.length:  # type: ignore[attr-defined]
                length = column.type.length  # type: ignore[attr-defined]
                column.type = Prose(length) if name in PROSE else Identifier(length)
            elif kind is Text:
                column.type = CleanText()


def limit(column: object) -> int:
    """The length of a bounded column (`Postmortem.title` → 300), for messages that say it."""
    length = getattr(getattr(column, "type", None), "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column!r} has no length")
    return length
