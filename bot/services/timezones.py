"""Whose clock a DM follows: Slack's users.info `tz`, cached for a day.

A tick that looks at 2,000 owners must not ask Slack 2,000 questions every
minute; a cached answer older than `FRESH_FOR` is asked again (people travel).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from storage.repositories import user_timezones

logger = logging.getLogger(__name__)

FRESH_FOR = timedelta(days=1)
DEFAULT_TZ = "UTC"


def timezone_of(
    sessions: sessionmaker[Session],
    client: WebClient,
    team_id: str,
    user_id: str,
    *,
    now: datetime,
    store: bool = True,
) -> str:
    """The person's IANA timezone; UTC when Slack does not know them."""
    with sessions() as session:
        cached = user_timezones.get(session, team_id, user_id)
        known = (cached.tz, cached.fetched_at) if cached else None
    if known and known[1] > now - FRESH_FOR:
        return known[0]
    try:
        tz = client.users_info(user=user_id)["user"].get("tz") or DEFAULT_TZ
    except SlackApiError as error:
        logger.warning("users.info failed user=%s error=%s", user_id, error.response.get("error"))
        return known[0] if known else DEFAULT_TZ
    if store:
        with sessions.begin() as session:
            user_timezones.save(session, team_id, user_id, tz, now)
    return tz


def cached_timezone(session: Session, team_id: str, user_id: str) -> str:
    """What the cache says, without asking Slack (for re-drawing a message quickly)."""
    cached = user_timezones.get(session, team_id, user_id)
    return cached.tz if cached else DEFAULT_TZ


def fresh_for_team(session: Session, team_id: str, now: datetime) -> dict[str, str]:
    """Every cached timezone of the team still fresh at `now`, read at once for a big pass."""
    cached = user_timezones.for_team(session, team_id)
    return {user: row.tz for user, row in cached.items() if row.fetched_at > now - FRESH_FOR}
