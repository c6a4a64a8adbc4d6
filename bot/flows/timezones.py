"""Whose clock a DM follows: Slack's users.info `tz`, through the day-long cache
(`bot.services.timezones`)."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.services import timezones
from bot.services.timezones import DEFAULT_TZ

logger = logging.getLogger(__name__)


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
        known = timezones.cached(session, team_id, user_id)
    if known and timezones.is_fresh(known[1], now):
        return known[0]
    try:
        tz = client.users_info(user=user_id)["user"].get("tz") or DEFAULT_TZ
    except SlackApiError as error:
        logger.warning("users.info failed user=%s error=%s", user_id, error.response.get("error"))
        return known[0] if known else DEFAULT_TZ
    if store:
        with sessions.begin() as session:
            timezones.remember(session, team_id, user_id, tz, now)
    return tz
