"""Live capture: messages posted, edited and deleted while a post-mortem is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.slack_text import ts_to_datetime
from storage.models import Postmortem, TimelineEvent
from storage.repositories import postmortems, timeline


@dataclass(frozen=True)
class ChannelMessage:
    team_id: str
    channel_id: str
    ts: str
    text: str
    user_id: str | None
    thread_ts: str | None = None

    @property
    def source_key(self) -> str:
        return f"{self.channel_id}:{self.ts}"


def watched(session: Session, team_id: str, channel_id: str) -> Postmortem | None:
    """The channel's post-mortem while it is still collecting its timeline, else None.

    Looked up once per event by the caller; the record_ functions take its id.
    """
    postmortem = postmortems.get_by_channel(session, team_id, channel_id)
    return postmortem if postmortem is not None and postmortem.status == "open" else None


def record_message(session: Session, postmortem_id: int, message: ChannelMessage) -> bool:
    """File a channel message on the post-mortem; False if already filed."""
    event = TimelineEvent(
        team_id=message.team_id,
        postmortem_id=postmortem_id,
        occurred_at=ts_to_datetime(message.ts),
        source="slack",
        source_key=message.source_key,
        text=message.text,
        actor=message.user_id,
        thread_ts=message.thread_ts,
    )
    return timeline.add_unless_exists(session, event)


def record_edit(
    session: Session, postmortem_id: int, message: ChannelMessage, edited_at: datetime
) -> bool:
    """Apply an edit to the filed message (filing it if it was missed)."""
    event = timeline.get_by_key(session, postmortem_id, "slack", message.source_key)
    if event is None:
        return record_message(session, postmortem_id, message)
    if event.edited_at is not None and event.edited_at > edited_at:
        return False  # a later edit arrived first
    event.text, event.edited_at = message.text, edited_at
    return True


def record_deletion(
    session: Session,
    postmortem_id: int,
    team_id: str,
    channel_id: str,
    ts: str,
    deleted_at: datetime,
) -> bool:
    """Drop the text of a deleted message but keep the row, so the gap can be reported."""
    key = f"{channel_id}:{ts}"
    event = timeline.get_by_key(session, postmortem_id, "slack", key)
    if event is None:
        tombstone = TimelineEvent(
            team_id=team_id,
            postmortem_id=postmortem_id,
            occurred_at=ts_to_datetime(ts),
            source="slack",
            source_key=key,
            deleted_at=deleted_at,
        )
        return timeline.add_unless_exists(session, tombstone)
    if event.deleted_at is not None:
        return False
    event.text, event.deleted_at = "", deleted_at
    return True
