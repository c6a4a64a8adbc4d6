"""Action items: parse owner, deadline and priority; reject the vague ones.

Two ways to write one:
    @bob add connection-pool metrics to the api dashboard by next Friday, high
    add connection-pool metrics to the api dashboard | @bob | next Friday | High
Slack mentions (`<@U0BOB>`, `<@U0BOB|bob>`) work wherever `@bob` does.
Each item is named by its number in the post-mortem, `AI-001`: `item_code` writes that
name and `split_code` reads it, wherever it is written or read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Literal

from bot.core.deadlines import (
    deadline_expression,
    find_deadline,
    resolve_deadline,
    today_in,
    whole_field_deadline,
)
from bot.core.language import MENTION, Finding
from bot.core.vagueness import vague_findings

__all__ = [
    "ParsedActionItem",
    "Priority",
    "find_vagueness",
    "item_code",
    "metadata_spans",
    "parse_action_item",
    "split_code",
]

Priority = Literal["High", "Medium", "Low"]

CODE_PREFIX = "AI-"
# A reply that starts with an item's code completes that item: "AI-002 <@U1> by Friday".
_CODE = re.compile(
    rf"^\s*{CODE_PREFIX}(?P<number>\d{{1,4}})\b[\s:,.-]*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL
)
_OWNER = re.compile(rf"(?P<slack>{MENTION})|(?<![\w.@])(?P<name>@[A-Za-z0-9][\w.-]*\w|@\w)")
_SLACK_ID = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)")
_LEVEL = r"high|medium|med|low|urgent|critical|normal|p[0-4]"
_PRIORITY = re.compile(
    rf"\b(?:priority|prio|pri)\s*[:=]?\s*(?P<after>{_LEVEL})\b"
    rf"|\b(?P<before>{_LEVEL})[\s-]+(?:priority|prio|pri)\b"
    rf"|(?:^|(?<=[,;(\[|]))\s*(?P<alone>{_LEVEL})(?=\s*(?:$|[,;)\]|.!]))",
    re.IGNORECASE,
)
_PRIORITY_LEVELS: dict[str, Priority] = {
    "high": "High", "urgent": "High", "critical": "High", "p0": "High", "p1": "High",
    "medium": "Medium", "med": "Medium", "normal": "Medium", "p2": "Medium",
    "low": "Low", "p3": "Low", "p4": "Low",
}  # fmt: skip
_FIELD_SEPARATOR = re.compile(rf"{MENTION}|\|")


def item_code(number: int) -> str:
    """The name people see and type for the post-mortem's item `number`: `AI-001`."""
    return f"{CODE_PREFIX}{number:03d}"


def split_code(text: str) -> tuple[int, str] | None:
    """(number, what follows) when `text` starts with an item's code, else None:
    "AI-2: by Friday" -> (2, "by Friday")."""
    match = _CODE.match(text)
    return (int(match["number"]), match["rest"]) if match else None


@dataclass(frozen=True)
class ParsedActionItem:
    action: str
    owner: str | None
    deadline: date | None
    priority: Priority | None
    missing: tuple[str, ...]


def parse_action_item(text: str, *, now: datetime, tz: str) -> ParsedActionItem:
    """Split an action item into its parts; `missing` names the parts not given.

    Relative deadlines are resolved against `now` in the author's timezone `tz`
    (an IANA name); an unknown timezone raises `BadArguments`.
    """
    today = today_in(now, tz)
    fields = _field_spans(text)
    if len(fields) > 1:
        return _parse_table_row([text[start:end].strip() for start, end in fields], today)
    return _parse_sentence(text, today)


def find_vagueness(action: str) -> list[Finding]:
    """Why an action item is too vague to accept; empty when it is concrete.

    Owner, deadline and priority are ignored: "by Friday, high" makes nothing concrete.
    """
    masked = list(action)
    for start, end in metadata_spans(action):
        masked[start:end] = " " * (end - start)
    return vague_findings("".join(masked))


def metadata_spans(text: str) -> list[tuple[int, int]]:
    """Where owner, deadline and priority sit in `text`, so other checks can skip them."""
    fields = _field_spans(text)
    if len(fields) > 1:
        return [(fields[0][1], len(text))]
    spans = [match.span() for match in _OWNER.finditer(text)]
    for found in (find_deadline(text), _PRIORITY.search(text)):
        if found:
            spans.append(found.span())
    return spans


def _field_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `|`-separated fields; the `|` inside `<@U1|name>` does not separate."""
    bars = [m.start() for m in _FIELD_SEPARATOR.finditer(text) if m.group() == "|"]
    edges = [-1, *bars, len(text)]
    return [(left + 1, right) for left, right in pairwise(edges)]


def _parse_sentence(text: str, today: date) -> ParsedActionItem:
    owner_match = _OWNER.search(text)
    deadline_match = find_deadline(text)
    priority_match = _PRIORITY.search(text)
    deadline = None
    if deadline_match:
        deadline = resolve_deadline(deadline_expression(deadline_match), today)
    found = [m for m in (owner_match, deadline_match, priority_match) if m]
    return _parsed(
        action=_remove_spans(text, [m.span() for m in found]),
        owner=_owner(owner_match) if owner_match else None,
        deadline=deadline,
        priority=_priority(priority_match) if priority_match else None,
    )


def _parse_table_row(fields: list[str], today: date) -> ParsedActionItem:
    """`action | owner | deadline | priority`, each field recognised by what it holds."""
    owner: str | None = None
    deadline: date | None = None
    priority: Priority | None = None
    for field in fields[1:]:
        owner_match = _OWNER.fullmatch(field)
        priority_match = _PRIORITY.fullmatch(field)
        expression = whole_field_deadline(field)
        if owner_match:
            owner = _owner(owner_match)
        elif priority_match:
            priority = _priority(priority_match)
        elif expression:
            deadline = resolve_deadline(expression, today)
        elif owner is None and re.fullmatch(r"[A-Za-z][\w.-]*", field):
            owner = field
    return _parsed(action=fields[0], owner=owner, deadline=deadline, priority=priority)


def _parsed(
    *, action: str, owner: str | None, deadline: date | None, priority: Priority | None
) -> ParsedActionItem:
    given = {"owner": owner, "deadline": deadline, "priority": priority}
    missing = tuple(name for name, value in given.items() if value is None)
    return ParsedActionItem(action, owner, deadline, priority, missing)


def _owner(match: re.Match[str]) -> str:
    slack = _SLACK_ID.match(match.group())
    return slack["id"] if slack else match.group().strip()


def _priority(match: re.Match[str]) -> Priority:
    level = match["after"] or match["before"] or match["alone"]
    return _PRIORITY_LEVELS[level.lower()]


def _remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the given spans, tidied of the commas they leave behind."""
    kept, position = [], 0
    for start, end in sorted(spans):
        kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    parts = [" ".join(part.split()) for part in "".join(kept).split(",")]
    return ", ".join(part for part in parts if part).strip(" -–—:;.")
