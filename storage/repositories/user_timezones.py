"""People's timezones as Slack last reported them. Functions take a Session and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import UserTimezone
from storage.upsert import insert_or_update


def get(session: Session, team_id: str, user_id: str) -> UserTimezone | None:
    return session.get(UserTimezone, (team_id, user_id))


def for_team(session: Session, team_id: str) -> dict[str, UserTimezone]:
    query = select(UserTimezone).where(UserTimezone.team_id == team_id)
    return {row.user_id: row for row in session.scalars(query)}


def save(session: Session, team_id: str, user_id: str, tz: str, now: datetime) -> None:
    """Insert or refresh; two replicas looking the same person up both succeed."""
    statement = insert_or_update(
        session,
        UserTimezone,
        index_elements=("team_id", "user_id"),
        set_={"tz": tz, "fetched_at": now},
        team_id=team_id,
        user_id=user_id,
        tz=tz,
        fetched_at=now,
    )
    session.execute(statement)


def forget_team(session: Session, team_id: str) -> int:
    """Drop every cached timezone of the team (it uninstalled the app: profile data Slack
    gave the bot is not kept past that). Returns how many rows went."""
    return changed_rows(session, delete(UserTimezone).where(UserTimezone.team_id == team_id))
