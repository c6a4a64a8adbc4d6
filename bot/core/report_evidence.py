"""Timeline events a why-chain's answer cites as evidence: `see 22:31 deploy`.

A person backs an answer with a timeline line by its UTC minute and, optionally, a
few of its words ("F2: the pool was lowered, see 22:31 deploy"). `cite` finds each
such line among the ones the report shows, so the report can link it (an anchor on
the timeline's row, `event_anchor`). A citation that names no shown line stays in
the report as words, marked not found, never silently dropped. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC

from bot.core.timeline import TimelineEntry

# "see 22:31", "see 22:31 deploy 2024.06.1" — the words run to the end of the clause.
_CITATION = re.compile(
    r"\bsee\s+(?:the\s+)?(?P<time>[01]?\d:[0-5]\d|2[0-3]:[0-5]\d)(?:\s*utc)?"
    r"(?P<words>[^,;()\n]*)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9][a-z0-9.\-]*", re.IGNORECASE)
_FILLER = frozenset(("the", "a", "an", "line", "event", "message", "in", "timeline", "at", "and"))


@dataclass(frozen=True)
class Evidence:
    """A cited timeline line: what the person wrote, and the shown line's number (1 = the
    first line of the report's timeline) when one matches."""

    cited: str
    time: str
    number: int | None

    @property
    def found(self) -> bool:
        return self.number is not None


def event_anchor(number: int) -> str:
    """The id of the report's timeline row `number` (HTML id, Markdown anchor)."""
    return f"event-{number}"


def cite(text: str, shown: tuple[TimelineEntry, ...]) -> tuple[Evidence, ...]:
    """Every `see HH:MM …` in `text`, each matched to a shown timeline line."""
    found = []
    for match in _CITATION.finditer(text):
        time = _normal_time(match["time"])
        words = _words(match["words"])
        cited = " ".join((time, *words)) if words else time
        found.append(Evidence(cited, time, _match(time, words, shown)))
    return tuple(found)


def _match(time: str, words: tuple[str, ...], shown: tuple[TimelineEntry, ...]) -> int | None:
    """The line at that minute sharing most of the cited words (the first on a tie); with
    words given, at least one of them must be in the line."""
    best: tuple[int, int] | None = None
    for number, entry in enumerate(shown, start=1):
        if entry.occurred_at.astimezone(UTC).strftime("%H:%M") != time:
            continue
        line = entry.text.lower()
        shared = sum(1 for word in words if word.lower() in line)
        if words and shared == 0:
            continue
        if best is None or shared > best[0]:
            best = (shared, number)
    return best[1] if best else None


def _normal_time(raw: str) -> str:
    hours, minutes = raw.split(":")
    return f"{int(hours):02d}:{minutes}"


def _words(raw: str) -> tuple[str, ...]:
    words = [w.rstrip(".") for w in _WORD.findall(raw)]
    return tuple(w for w in words[:6] if w and w.lower() not in _FILLER)
