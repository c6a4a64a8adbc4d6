"""The install flow's one-time `state` values. Functions take a Session and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import OAuthState


def add(session: Session, state: str, expires_at: datetime) -> None:
    session.add(OAuthState(state=state, expires_at=expires_at))


def consume(session: Session, state: str, now: datetime) -> bool:
    """Spend `state`: True once if it was issued and has not expired, False ever after.

    One DELETE decides, so two redirects racing with the same state cannot both win.
    """
    spent = delete(OAuthState).where(OAuthState.state == state, OAuthState.expires_at > now)
    return changed_rows(session, spent) == 1


def purge_expired(session: Session, now: datetime) -> int:
    """Drop states nobody came back with; returns how many."""
    return changed_rows(session, delete(OAuthState).where(OAuthState.expires_at <= now))
