"""Whose clock a person's times follow: Slack's users.info `tz`, the one lookup of it.

Every caller asks `timezone_of`: the follow-up jobs and the action-item lists through
the day-long cache (`bot.services.timezones`), the interview and the commands that read
a time a person typed straight from Slack, as they always did.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.slack_refusals import token_gone
from bot.services import timezones
from bot.services.timezones import DEFAULT_TZ

logger = logging.getLogger(__name__)


def timezone_of(
    client: WebClient,
    team_id: str,
    user_id: str | None,
    *,
    now: datetime,
    sessions: sessionmaker[Session] | None = None,
    store: bool = True,
) -> str:
    """The person's IANA timezone; UTC when Slack does not know them, or there is nobody.

    With `sessions`, a fresh answer comes from the cache and Slack's is kept there
    (`store=False`, a dry run, only reads it). Without, Slack is asked and nothing is
    read or written: for a caller inside a transaction, which the cache's own would wait
    on (SQLite has one writer).
    """
    if not user_id:
        return DEFAULT_TZ
    known = _cached(sessions, team_id, user_id)
    if known and timezones.is_fresh(known[1], now):
        return known[0]
    try:
        tz = client.users_info(user=user_id)["user"].get("tz") or DEFAULT_TZ
    except SlackApiError as error:
        if token_gone(error):
            raise  # not this person's: no call with the token will work (`bot.jobs.runner`)
        logger.warning("users.info failed user=%s error=%s", user_id, error.response.get("error"))
        return known[0] if known else DEFAULT_TZ
    if sessions is not None and store:
        with sessions.begin() as session:
            timezones.remember(session, team_id, user_id, tz, now)
    return tz


def _cached(
    sessions: sessionmaker[Session] | None, team_id: str, user_id: str
) -> tuple[str, datetime] | None:
    if sessions is None:
        return None
    with sessions() as session:
        return timezones.cached(session, team_id, user_id)
