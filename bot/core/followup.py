"""When follow-up is due: weekly digests, the 48-hour nudge, the four-week review.

Pure date arithmetic; every function takes `now` (aware UTC) and the reader's
IANA timezone, so the jobs, the CLI's `--at` and the tests share one clock rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.deadlines import resolve_deadline, whole_field_deadline

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A digest goes out from its weekday and hour until a day later: a replica that
# was down at 09:00 still sends it, and an owner never gets last week's late.
DIGEST_WINDOW = timedelta(hours=24)
NUDGE_AFTER = timedelta(hours=48)
NUDGE_EVERY = timedelta(hours=24)
NUDGE_MAX = 5
REVIEW_AFTER = timedelta(weeks=4)
SNOOZE = timedelta(weeks=1)


def zone(tz: str | None) -> ZoneInfo:
    """The zone Slack named, or UTC when it named none we know."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(now: datetime, tz: str | None) -> date:
    return now.astimezone(zone(tz)).date()


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_week(now: datetime, tz: str | None, *, weekday: int, hour: int) -> str | None:
    """The ISO week whose digest is due at `now` for a reader in `tz`, or None.

    Due from `weekday` at `hour` local time, for `DIGEST_WINDOW`; the week is
    the one of that local weekday, so every replica names it alike.
    """
    local = now.astimezone(zone(tz))
    this_monday = local.date() - timedelta(days=local.weekday())
    for monday in (this_monday, this_monday - timedelta(weeks=1)):
        due_day = monday + timedelta(days=weekday)
        due = datetime.combine(due_day, time(hour), tzinfo=zone(tz))
        if due <= local < due + DIGEST_WINDOW:
            return iso_week(due_day)
    return None


def nudge_base(
    incident_end: datetime | None, incident_start: datetime | None, created_at: datetime
) -> datetime:
    """What the 48 hours count from: the incident's end, else its start, else the post-mortem's."""
    return incident_end or incident_start or created_at


# An item this new was announced in the thread a moment ago; the weekly digest waits.
NEW_ITEM_GRACE = timedelta(hours=24)


def nudge_due(base: datetime, now: datetime) -> int | None:
    """The number (1..NUDGE_MAX) of the nudge due at `now`, or None.

    The number follows from the clock alone, never from what was sent: every
    replica ticking on the same day names the same nudge, and its unique key
    lets one of them send it. After an outage the day's nudge goes out, not
    the missed ones back to back.
    """
    late = now - base - NUDGE_AFTER
    if late < timedelta(0):
        return None
    number = late // NUDGE_EVERY + 1
    return number if number <= NUDGE_MAX else None


def review_day(published_at: datetime | None, moved_to: date | None) -> date | None:
    """The follow-up review's date: the one set by `/postmortem followup`, else 4 weeks on."""
    if moved_to is not None:
        return moved_to
    if published_at is None:
        return None
    return (published_at + REVIEW_AFTER).astimezone(UTC).date()


def review_due(day: date | None, now: datetime, tz: str | None, *, hour: int) -> bool:
    """Due from `hour` on the review day in the lead's timezone (late is still due)."""
    if day is None:
        return False
    return now.astimezone(zone(tz)) >= datetime.combine(day, time(hour), tzinfo=zone(tz))


def is_overdue(deadline: date | None, today: date) -> bool:
    return deadline is not None and deadline < today


def is_snoozed(snoozed_until: date | None, today: date) -> bool:
    """Snoozed through `snoozed_until` inclusive: a week's snooze skips next week's digest."""
    return snoozed_until is not None and today <= snoozed_until


def day_label(day: date) -> str:
    """How follow-up messages write a day: "Mon 2 Mar 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def snooze_until(today: date) -> date:
    return today + SNOOZE


def weekday_number(name: str) -> int:
    """`monday`/`Mon`/`1`… -> 0..6; ValueError for anything else."""
    text = name.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text) - 1
    matches = [i for i, day in enumerate(WEEKDAYS) if len(text) >= 3 and day.startswith(text)]
    if len(matches) != 1:
        raise ValueError(f"{name!r} is not a weekday")
    return matches[0]


def parse_day(text: str, today: date) -> date | None:
    """`2026-12-22`, `next friday`, `in 2 weeks`…, counted from the reader's `today`."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    expression = whole_field_deadline(text)
    return resolve_deadline(expression, today) if expression else None
