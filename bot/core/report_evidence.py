"""Timeline events a why-chain's answer cites as evidence: `see 22:31 deploy`.

A person backs an answer with a timeline line by a clock time and, optionally, a few
of its words ("F2: the pool was lowered, see 2:31pm deploy"). The time is read on the
answer's author's clock (UTC when the citation says UTC, or when the author's zone is
not stored: the report then says so), and the line meant is the one `pick` chooses,
the same rule as a standalone `F2: see 22:31 deploy` reply: the nearest line holding
the words, within `NEAR_MINUTES`, a tie refused. `cite` finds each such line among the
ones the report shows, so the report can link it (an anchor on the timeline's row,
`event_anchor`). A citation that names no shown line stays in the report as words,
with why it is not linked, never silently dropped. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo

from bot.core.followup import zone as named_zone
from bot.core.timeline import TimelineEntry

# A clock time as people type it: "22:31", "10:31pm", "9:05 a.m.", "21:31 UTC".
_TIME = (
    r"(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?:\s?(?P<half>[ap])\.?m\b\.?)?"
    r"(?:\s*(?P<utc>utc|gmt)\b)?"
)
# "see 22:31", "see 22:31 deploy 2024.06.1" — the words run to the end of the clause.
_CITATION = re.compile(
    r"\bsee\s+(?:the\s+)?" + _TIME + r"(?P<words>[^,;()\n]*)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9][a-z0-9.\-]*", re.IGNORECASE)
_FILLER = frozenset(("the", "a", "an", "line", "event", "message", "in", "timeline", "at", "and"))
# The words looked for: a few, each its start only (a line holding the word holds its
# start), so they fit the stored `factor_evidence.words` (200) whole, joined by spaces.
MAX_WORDS = 6
WORD_CHARS = 32
NOT_SHOWN = "not among the timeline lines shown"
UNKNOWN_ZONE = "read as UTC: the author's time zone is not known"


@dataclass(frozen=True)
class Evidence:
    """A cited timeline line: what the person wrote, and the shown line's number (1 = the
    first line of the report's timeline) when one matches. `reason` says why nothing is
    linked; `note` whose clock the time was read on, when that is not plain UTC."""

    cited: str
    time: str
    number: int | None
    reason: str = NOT_SHOWN
    note: str = ""
    # The same remarks in a few words, for Slack's compact summary.
    short: str = ""

    @property
    def found(self) -> bool:
        return self.number is not None

    @property
    def compact(self) -> str:
        """The citation in one short phrase (Slack's summary): words, then remarks."""
        return f"{self.cited} ({self.short})" if self.short else self.cited


def event_anchor(number: int) -> str:
    """The id of the report's timeline row `number` (HTML id, Markdown anchor)."""
    return f"event-{number}"


def cite(
    text: str, shown: tuple[TimelineEntry, ...], zone: str | None = None
) -> tuple[Evidence, ...]:
    """Every `see HH:MM …` in `text`, each matched to a shown timeline line by `pick`.
    `zone` is the author's stored time zone; None (not known) reads the time as UTC and
    says so."""
    found = []
    for match in _CITATION.finditer(text):
        citation = _citation(0, match)
        if citation is None:
            continue
        clock, note = reading_clock(citation, zone)
        chosen = pick(citation, shown, clock)
        number = _number(chosen.chosen, shown)
        reason = _tied(len(chosen.candidates)) if chosen.tied else NOT_SHOWN
        short = _short(number is not None, chosen.tied, note, clock)
        found.append(Evidence(citation.cited, citation.clock, number, reason, note, short))
    return tuple(found)


def reading_clock(citation: Citation, zone: str | None) -> tuple[ZoneInfo, str]:
    """The zone a cited time is read in, an answer's or a standalone reply's alike: the
    author's `zone`, UTC when the citation says UTC, or when the zone is not known (None;
    the note then says so). The note is empty for UTC."""
    if citation.utc:
        return named_zone("UTC"), ""
    if zone is None:
        return named_zone("UTC"), UNKNOWN_ZONE
    clock = named_zone(zone)
    return clock, ("" if clock.key == "UTC" else f"{citation.clock} {clock.key} time")


def _number(entry: TimelineEntry | None, shown: tuple[TimelineEntry, ...]) -> int | None:
    """The row (1 = first) of the line `pick` chose among the shown ones."""
    return next((n for n, each in enumerate(shown, start=1) if each is entry), None)


def _short(linked: bool, tied: bool, note: str, clock: ZoneInfo) -> str:
    said = [] if linked else ["a tie, not linked" if tied else "not shown"]
    if note:
        said.append("read as UTC" if note == UNKNOWN_ZONE else str(clock))
    return ", ".join(said)


def _tied(count: int) -> str:
    return f"{count} lines fit as well, so none is linked"


def _words(raw: str) -> tuple[str, ...]:
    words = [w[:WORD_CHARS].rstrip(".") for w in _WORD.findall(raw)]
    return tuple(w for w in words[:MAX_WORDS] if w and w.lower() not in _FILLER)


# -- a standalone citation in the interview thread: "F2: see 22:31 deploy" -------------

# The whole reply: a factor's code, then `see HH:MM` and the words to look for.
_STANDALONE = re.compile(
    r"^\s*[*_`]*F(?P<chain>\d{1,2})[*_`]*\s*[:\-–—]\s*see\s+(?:the\s+)?"
    + _TIME
    + r"(?P<words>[^\n]*?)[\s.!]*$",
    re.IGNORECASE,
)
# How far from the typed minute a line may be and still be the one meant.
NEAR_MINUTES = 15
MAX_CANDIDATES = 5
_DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Citation:
    """A reply that cites a timeline line for a factor: its chain (0 = the immediate cause),
    the clock time in the person's own zone, or in UTC when they said so ("see 22:31 UTC",
    as the bot's own timeline shows it), and the words the line should contain."""

    chain: int
    hour: int
    minute: int
    words: tuple[str, ...]
    utc: bool = False

    @property
    def clock(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    @property
    def cited(self) -> str:
        return " ".join((self.clock, *self.words))


@dataclass(frozen=True)
class Pick:
    """What a citation found: the one line meant, or the lines it could be (maybe none)."""

    chosen: TimelineEntry | None
    candidates: tuple[TimelineEntry, ...] = ()
    # The candidates fit equally well within `NEAR_MINUTES` (not merely the nearest).
    tied: bool = False


def parse_citation(text: str) -> Citation | None:
    """`F2: see 22:31 deploy` as a citation; None for anything else (an ordinary answer)."""
    match = _STANDALONE.match(text)
    return None if match is None else _citation(int(match["chain"]), match)


def _citation(chain: int, match: re.Match[str]) -> Citation | None:
    """The citation a matched `see HH:MM … words` makes; None for "13:05pm"."""
    hour = _hour(int(match["hour"]), (match["half"] or "").lower())
    if hour is None:
        return None
    words = _words(match["words"])
    return Citation(chain, hour, int(match["minute"]), words, bool(match["utc"]))


def _hour(hour: int, half: str) -> int | None:
    """The 24-hour hour of "10:31" or "10:31pm"; None for "13:05pm"."""
    if not half:
        return hour
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if half == "p" else 0)


def pick(citation: Citation, entries: tuple[TimelineEntry, ...], zone: tzinfo) -> Pick:
    """The line nearest the cited clock time (read in `zone`) among those holding the cited
    words; a tie or nothing within `NEAR_MINUTES` gives the candidates instead."""
    matching = [e for e in entries if _shares(e, citation.words)] if citation.words else []
    pool = matching if citation.words else list(entries)
    scored = sorted(
        ((_distance(entry, citation, zone), -_shared(entry, citation.words), i), entry)
        for i, entry in enumerate(pool)
    )
    near = [(score, entry) for score, entry in scored if score[0] <= NEAR_MINUTES]
    best = [entry for score, entry in near if score[:2] == near[0][0][:2]] if near else []
    if len(best) == 1:
        return Pick(best[0])
    if best:
        return Pick(None, tuple(best[:MAX_CANDIDATES]), tied=True)
    # Nothing near: the nearest lines with the words, else the nearest lines at all.
    fallback = scored or sorted(
        ((_distance(entry, citation, zone), 0, i), entry) for i, entry in enumerate(entries)
    )
    return Pick(None, tuple(entry for _, entry in fallback[:MAX_CANDIDATES]))


def _distance(entry: TimelineEntry, citation: Citation, zone: tzinfo) -> int:
    """Minutes between the line's clock time in `zone` and the cited one, around midnight."""
    local = entry.occurred_at.astimezone(zone)
    apart = abs(local.hour * 60 + local.minute - (citation.hour * 60 + citation.minute))
    return min(apart, _DAY_MINUTES - apart)


def _shared(entry: TimelineEntry, words: tuple[str, ...]) -> int:
    line = entry.text.lower()
    return sum(1 for word in words if word.lower() in line)


def _shares(entry: TimelineEntry, words: tuple[str, ...]) -> bool:
    return _shared(entry, words) > 0


@dataclass(frozen=True)
class Attached:
    """A line a person attached to a factor in the thread, by its upstream key."""

    chain: int
    source: str
    source_key: str
    words: tuple[str, ...] = ()


def attached_evidence(
    attached: tuple[Attached, ...],
    chain: int,
    shown: tuple[TimelineEntry, ...],
    every: tuple[TimelineEntry, ...],
) -> tuple[Evidence, ...]:
    """The evidence attached to `chain`, each linked to its row among the `shown` lines
    (named by the line's UTC minute, the report's clock); a line not shown, or gone,
    stays as words marked not found."""
    number: dict[tuple[str, str], int] = {
        (e.source, e.source_key): n for n, e in enumerate(shown, start=1)
    }
    known: dict[tuple[str, str], TimelineEntry] = {(e.source, e.source_key): e for e in every}
    found = []
    for cited in attached:
        if cited.chain != chain:
            continue
        key = (cited.source, cited.source_key)
        entry = known.get(key)
        time = entry.occurred_at.astimezone(UTC).strftime("%H:%M") if entry else ""
        words = " ".join(w for w in (time, *cited.words) if w) or "a removed line"
        found.append(Evidence(words, time, number.get(key)))
    return tuple(found)
