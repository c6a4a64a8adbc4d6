"""Ids read back from what Slack returns: button values, modal metadata, pickers.

The bot wrote them, but a request can carry anything: `"12"`, `"١٢"` (Arabic-Indic
digits pass `str.isdigit` and break `int`), `"9" * 5000` (over Python's digit limit),
`"99999999999"` (over a database integer). One strict reading for all of them.
"""

from __future__ import annotations

import re

from bot.core.report_text import is_user_id

MAX_ROW_ID = 2**31 - 1  # an INTEGER primary key, on SQLite and PostgreSQL alike
MAX_INDEX = 9999  # a factor chain's number, a why's depth
MAX_USER_ID = 32  # the width of every user id column
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def row_id(value: object) -> int | None:
    """A database row id written as ASCII digits (1 to 2**31-1); None for anything else."""
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ROW_ID else None


def index(value: object) -> int | None:
    """A small count written as ASCII digits (0 to 9999), like a factor chain; else None."""
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_INDEX else None


def user_id(value: object) -> str | None:
    """A Slack user id (U…/W…, upper-case letters and digits) that fits a column; else None."""
    if not isinstance(value, str) or len(value) > MAX_USER_ID or not is_user_id(value):
        return None
    return value
