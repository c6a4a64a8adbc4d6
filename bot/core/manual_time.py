"""Reading the time a person typed: "14:05", "2026-11-24 14:05", "14:05 UTC", "yesterday 23:10".

A time without a zone is in the person's own zone (their Slack setting); "UTC", "Z" or an
offset override it. A clock time with no date is the latest such moment that is not in
the future, so "23:10" typed at 00:20 means last night. Only plain forms are read (ISO
dates, clock times, am/pm, today/yesterday), so "14:05 May have been DNS" is not taken
for the fourteenth of May. Pure: python-dateutil and the standard library.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from dateutil import parser as dateutil_parser
from dateutil.parser import ParserError, UnknownTimezoneWarning

EXAMPLES = ("14:05", "2026-11-24 14:05", "14:05 UTC", "yesterday 23:10")
MAX_TIME_WORDS = 4
# A moment a few minutes ahead is a clock drifting, not a prediction.
FUTURE_TOLERANCE = timedelta(minutes=5)

_RELATIVE_DAYS = {"today": 0, "yesterday": -1}
_CLOCK = re.compile(r"\d{1,2}:\d{2}(:\d{2})?|\d{1,2}(:\d{2})?[ap]\.?m\.?", re.I)
_TOKEN = re.compile(
    r"\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}:\d{2}(:\d{2})?([ap]\.?m\.?)?|\d{1,2}[ap]\.?m\.?|[ap]\.?m\.?"
    r"|utc|gmt|z|[+-]\d{2}:?\d{2}|today|yesterday",
    re.I,
)
_ZONE_NAMES = {"UTC": UTC, "GMT": UTC, "Z": UTC}
# Abbreviations dateutil cannot place; refused rather than silently read as local time.
_OTHER_ZONES = re.compile(
    r"CES?T|EES?T|WES?T|BST|IST|[ECMP][SD]T|AK[SD]T|HST|JST|KST|HKT|SGT|AE[SD]T|AC?WST|NZ[SD]T"
)
_WORD = re.compile(r"\S+")


class TimeNotUnderstood(ValueError):
    """No time could be read; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class When:
    """A time read from the start of a line, and the words after it."""

    at: datetime
    rest: str


def split_when(text: str, *, now: datetime, zone: tzinfo) -> When:
    """Read the time at the start of `text`; the rest of the line is what happened."""
    spans = [match.span() for match in _WORD.finditer(text)]
    longest = 0
    while longest < min(MAX_TIME_WORDS, len(spans)) and _is_token(text, spans[longest]):
        longest += 1
    for count in range(longest, 0, -1):
        moment = read_time(text[: spans[count - 1][1]], now=now, zone=zone)
        if moment is None:
            continue
        rest = text[spans[count][0] :].strip() if count < len(spans) else ""
        _refuse_other_zone(rest)
        if not rest:
            raise TimeNotUnderstood("Say what happened after the time.")
        return When(_not_future(moment, now), rest)
    raise TimeNotUnderstood("I could not read a time at the start.")


def parse_moment(text: str, *, now: datetime, zone: tzinfo) -> datetime:
    """Read `text` as a time and nothing else (the value of `--since`)."""
    words = text.split()
    if not words or len(words) > MAX_TIME_WORDS or not all(_TOKEN.fullmatch(w) for w in words):
        raise TimeNotUnderstood(f"I could not read {text!r} as a time.")
    moment = read_time(text, now=now, zone=zone)
    if moment is None:
        raise TimeNotUnderstood(f"I could not read {text!r} as a time.")
    return _not_future(moment, now)


def read_time(phrase: str, *, now: datetime, zone: tzinfo) -> datetime | None:
    """`phrase` as an aware UTC time, or None when it is not one of the plain forms."""
    if not _CLOCK.search(phrase):
        return None
    words = phrase.split()
    shift = _RELATIVE_DAYS.get(words[0].lower())
    if shift is not None:
        words = words[1:]
    clock = " ".join(words)
    dated = _has_date(clock)
    if dated is None or (dated and shift is not None):
        return None
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    day = today + timedelta(days=shift or 0)
    moment = _parse(clock, day.replace(tzinfo=None))
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    moment = moment.astimezone(UTC)
    if not dated and shift is None and moment > now + FUTURE_TOLERANCE:
        moment -= timedelta(days=1)
    return moment


def _has_date(clock: str) -> bool | None:
    """Whether `clock` names its own date: parse it on two different default days."""
    first = _parse(clock, datetime(2001, 2, 3))
    second = _parse(clock, datetime(2004, 5, 6))
    if first is None or second is None:
        return None
    return first.date() == second.date()


def _parse(clock: str, default: datetime) -> datetime | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnknownTimezoneWarning)
            return dateutil_parser.parse(clock, default=default, tzinfos=_ZONE_NAMES)
    except (ParserError, ValueError, OverflowError, UnknownTimezoneWarning):
        return None


def _is_token(text: str, span: tuple[int, int]) -> bool:
    return _TOKEN.fullmatch(text[span[0] : span[1]]) is not None


def _refuse_other_zone(rest: str) -> None:
    first = rest.split(maxsplit=1)[0] if rest else ""
    if _OTHER_ZONES.fullmatch(first.upper()):
        raise TimeNotUnderstood(
            f"I only read times in your own Slack timezone or in UTC, not {first}."
        )


def _not_future(moment: datetime, now: datetime) -> datetime:
    if moment > now + FUTURE_TOLERANCE:
        raise TimeNotUnderstood("That time is in the future.")
    return moment
