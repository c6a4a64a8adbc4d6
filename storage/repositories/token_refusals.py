"""Whether Slack refused SLACK_BOT_TOKEN (single-workspace mode). Functions take a Session
and never commit."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import BotTokenRefusal, utcnow
from storage.upsert import insert_or_update

BOT_TOKEN = "SLACK_BOT_TOKEN"


def refuse(session: Session, reason: str) -> None:
    """Note that Slack refused the token (`reason`: its words or the event's type)."""
    values = {"reason": reason[:64], "refused_at": utcnow()}
    statement = insert_or_update(
        session, BotTokenRefusal, index_elements=("name",), set_=values, name=BOT_TOKEN, **values
    )
    session.execute(statement)


def refused(session: Session) -> str | None:
    """Why the token was refused, or None while it is taken to work."""
    return session.scalar(select(BotTokenRefusal.reason).where(BotTokenRefusal.name == BOT_TOKEN))


def clear(session: Session) -> bool:
    """The token works again; True if it had been refused."""
    gone = delete(BotTokenRefusal).where(BotTokenRefusal.name == BOT_TOKEN)
    return bool(changed_rows(session, gone))
