"""Deadlines as people write them in an action item, resolved to a date.

"next Friday", "in 2 weeks", "end of month", "tomorrow", "2024-12-03" and
"Dec 3" are resolved against an injected `now`, in the author's own timezone:
"tomorrow" typed at 23:30 in Tokyo is not tomorrow in UTC.

Conventions, where English is ambiguous:
- "Friday" / "this Friday": the next Friday on or after today.
- "next Friday": the Friday of next week (weeks start on Monday).
- "next week": the Monday of next week; "end of week": the Friday on or after today.
- "next month": the first of next month; "end of month": its last day.
- A month and day without a year ("Dec 3") is the next such date on or after today.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser
from dateutil.relativedelta import FR, relativedelta

from bot.errors import BadArguments

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_COUNT = r"(?:\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
_UNIT = r"(?:day|week|month|business\s+day)s?"

# Expressions that cannot be mistaken for part of an action ("in 2 weeks", "tomorrow").
_UNMISTAKABLE = (
    rf"(?:in|within)\s+{_COUNT}\s+{_UNIT}",
    r"today|tonight|tomorrow|eod|eow|eom|eoq|eoy",
    r"end\s+of\s+(?:the\s+)?(?:day|week|month|quarter|year|next\s+week|next\s+month)",
    r"next\s+(?:week|month)",
    r"(?:this|next)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day",
)
# Expressions that need a "by"/"due" or a comma to read as a deadline ("a Monday cron").
_NEEDS_CUE = (
    r"\d{4}-\d{2}-\d{2}",
    rf"{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?",
    rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?",
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day",
)
_EXPRESSION = "|".join(_UNMISTAKABLE + _NEEDS_CUE)
_CUE = r"(?:by|before|due(?:\s+(?:on|by))?|until|no\s+later\s+than|deadline:?|on)"
_DEADLINE = re.compile(
    rf"\b{_CUE}\s+(?P<cued>{_EXPRESSION})\b"
    rf"|(?:^|(?<=[,;(|]))\s*(?P<delimited>{_EXPRESSION})(?=\s*(?:$|[,;)|]))"
    rf"|\b(?P<bare>{'|'.join(_UNMISTAKABLE)})\b",
    re.IGNORECASE,
)
_WHOLE = re.compile(rf"\s*(?:{_CUE}\s+)?(?P<expr>{_EXPRESSION})\s*[.!]?\s*", re.IGNORECASE)


def find_deadline(text: str) -> re.Match[str] | None:
    """The first deadline phrase in free text, with its cue word ("by next Friday")."""
    return _DEADLINE.search(text)


def deadline_expression(match: re.Match[str]) -> str:
    return match["cued"] or match["delimited"] or match["bare"]


def whole_field_deadline(field: str) -> str | None:
    """The expression when a whole table field is a deadline, as in `| next Friday |`."""
    match = _WHOLE.fullmatch(field)
    return match["expr"] if match else None


def today_in(now: datetime, tz: str) -> date:
    """The author's calendar date at `now`; a naive `now` is taken to be UTC."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise BadArguments(
            f"unknown timezone {tz!r}: use an IANA name such as Europe/Paris"
        ) from error
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()


def resolve_deadline(expression: str, today: date) -> date | None:
    """The date an expression names, counted from `today`; None when it names none."""
    words = " ".join(expression.lower().replace(",", " ").split())
    for pattern, resolver in _RESOLVERS:
        match = re.fullmatch(pattern, words)
        if match:
            return resolver(match, today)
    return None


def _relative(match: re.Match[str], today: date) -> date:
    count_word = match["count"]
    count = int(count_word) if count_word.isdigit() else _NUMBER_WORDS[count_word]
    unit = match["unit"]
    if unit.startswith("business"):
        return _add_business_days(today, count)
    if unit.startswith("month"):
        return today + relativedelta(months=count)
    return today + timedelta(days=count * (7 if unit.startswith("week") else 1))


def _add_business_days(start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _weekday(match: re.Match[str], today: date) -> date:
    wanted = _WEEKDAYS.index(match["day"])
    if match["which"] == "next":
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + timedelta(days=wanted)
    return today + timedelta(days=(wanted - today.weekday()) % 7)


def _end_of(match: re.Match[str], today: date) -> date:
    period = match["period"]
    if period in ("day", "eod"):
        return today
    if period in ("week", "eow"):
        return today + relativedelta(weekday=FR(+1))
    if period == "next week":
        return today + timedelta(days=7 - today.weekday()) + timedelta(days=4)
    if period in ("month", "eom"):
        return today + relativedelta(day=31)
    if period == "next month":
        return today + relativedelta(months=1, day=31)
    if period in ("quarter", "eoq"):
        last_month = ((today.month - 1) // 3 + 1) * 3
        return today + relativedelta(month=last_month, day=31)
    return today.replace(month=12, day=31)


def _calendar_date(match: re.Match[str], today: date) -> date | None:
    """ISO dates and month names; a date without a year rolls over to the next one."""
    text = match.group()
    default = datetime(today.year, today.month, today.day)
    try:
        parsed = date_parser.parse(text, default=default).date()
    except (ValueError, OverflowError):
        return None
    if parsed < today and not re.search(r"\d{4}", text):
        return parsed + relativedelta(years=1)
    return parsed


_Resolver = Callable[[re.Match[str], date], date | None]
_RESOLVERS: tuple[tuple[str, _Resolver], ...] = (
    (r"today|tonight", lambda _m, today: today),
    (r"tomorrow", lambda _m, today: today + timedelta(days=1)),
    (r"next week", lambda _m, today: today + timedelta(days=7 - today.weekday())),
    (r"next month", lambda _m, today: today + relativedelta(months=1, day=1)),
    (rf"(?:in|within) (?P<count>{_COUNT}) (?P<unit>{_UNIT})", _relative),
    (r"(?:(?P<which>this|next) )?(?P<day>" + "|".join(_WEEKDAYS) + ")", _weekday),
    (
        r"(?:end of (?:the )?)?(?P<period>eod|eow|eom|eoq|eoy|day|week|month|quarter|year"
        r"|next week|next month)",
        _end_of,
    ),
    (r".*\d.*", _calendar_date),
)
