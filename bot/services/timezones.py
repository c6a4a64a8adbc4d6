"""Whose clock a person's times follow: the cache of Slack's users.info `tz`, fresh for a day.

A tick that looks at 2,000 owners must not ask Slack 2,000 questions every
minute; `bot.flows.timezones` asks Slack again only when the cached answer is
older than `FRESH_FOR` (people travel).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage.repositories import user_timezones

FRESH_FOR = timedelta(days=1)
DEFAULT_TZ = "UTC"


def cached(session: Session, team_id: str, user_id: str) -> tuple[str, datetime] | None:
    """(timezone, when Slack said so) from the cache, or None when never asked."""
    row = user_timezones.get(session, team_id, user_id)
    return (row.tz, row.fetched_at) if row else None


def is_fresh(fetched_at: datetime, now: datetime) -> bool:
    return fetched_at > now - FRESH_FOR


def remember(session: Session, team_id: str, user_id: str, tz: str, now: datetime) -> None:
    user_timezones.save(session, team_id, user_id, tz, now)


def cached_timezone(session: Session, team_id: str, user_id: str) -> str:
    """What the cache says, without asking Slack (for re-drawing a message quickly)."""
    cached = user_timezones.get(session, team_id, user_id)
    return cached.tz if cached else DEFAULT_TZ


def stored_for_team(session: Session, team_id: str) -> dict[str, str]:
    """Every cached timezone of the team however old, without asking Slack: for the
    report, which must not call Slack while it renders (an old zone beats none)."""
    return {user: row.tz for user, row in user_timezones.for_team(session, team_id).items()}


def fresh_for_team(session: Session, team_id: str, now: datetime) -> dict[str, str]:
    """Every cached timezone of the team still fresh at `now`, read at once for a big pass."""
    cached = user_timezones.for_team(session, team_id)
    return {user: row.tz for user, row in cached.items() if is_fresh(row.fetched_at, now)}
