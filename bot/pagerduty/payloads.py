"""Small readers shared by the webhook and REST parsers: timestamps, references, one-line text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_WHITESPACE = re.compile(r"\s+")
MAX_LINE = 300


def parse_utc(value: object) -> datetime:
    """An ISO 8601 timestamp from PagerDuty as an aware UTC datetime; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        # PagerDuty always sends an offset; a bare time is read as UTC rather than local.
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text_of(value: object) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value.strip() else None


def name_of(reference: object) -> str | None:
    """The human name PagerDuty puts in a reference's `summary` (a user, service, policy...)."""
    return text_of(as_dict(reference).get("summary"))


def names_of(references: object) -> str | None:
    """The names in a list of references, as "Jane, Ben"; None when there is none."""
    if not isinstance(references, list):
        return None
    names = [name for name in map(name_of, references) if name]
    return ", ".join(names) or None


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """Whitespace collapsed to single spaces, cut at `limit` characters with an ellipsis."""
    line = _WHITESPACE.sub(" ", text).strip()
    if len(line) <= limit:
        return line
    return line[: limit - 1].rstrip() + "…"
