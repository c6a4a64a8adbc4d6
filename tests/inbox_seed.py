"""Recording inbox items the way the bot does, for the inbox's storage and worker tests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from storage.repositories import inbox

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def record_in(
    session: Session, key: str, *, order_key: str | None = None, at: datetime = NOW
) -> bool:
    """A Slack event delivery `key`, in `session` (the caller commits)."""
    return inbox.add(
        session,
        source="slack",
        kind="event",
        delivery_key=key,
        team_id="T1",
        handler="message",
        order_key=order_key,
        payload=f'{{"event_id": "{key}"}}',
        headers={"X-Slack-Request-Timestamp": "1764061200"},
        now=at,
    )


def record(
    sessions: sessionmaker[Session], key: str, *, order_key: str | None = None, at: datetime = NOW
) -> bool:
    """The same, in a transaction of its own, as a request records it before its ack."""
    with sessions.begin() as session:
        return record_in(session, key, order_key=order_key, at=at)
