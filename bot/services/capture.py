"""Live capture: messages posted, edited and deleted while a post-mortem is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.slack.text import ts_to_datetime
from storage.models import TimelineEvent
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


def is_watched(session: Session, team_id: str, channel_id: str) -> bool:
    """Whether this channel has a post-mortem that is still collecting its timeline."""
    postmortem = postmortems.get_by_channel(session, team_id, channel_id)
    return postmortem is not None and postmortem.status == "open"


def record_message(session: Session, message: ChannelMessage) -> bool:
    """File a channel message on the channel's post-mortem; False if none or already filed."""
    postmortem = postmortems.get_by_channel(session, message.team_id, message.channel_id)
    if postmortem is None or postmortem.status != "open":
        return False
    event = TimelineEvent(
        team_id=message.team_id,
        postmortem_id=postmortem.id,
        occurred_at=ts_to_datetime(message.ts),
        source="slack",
        source_key=message.source_key,
        text=message.text,
        actor=message.user_id,
        thread_ts=message.thread_ts,
    )
    return timeline.add_unless_exists(session, event)


def record_edit(session: Session, message: ChannelMessage, edited_at: datetime) -> bool:
    """Apply an edit to the filed message (filing it if it was missed)."""
    postmortem = postmortems.get_by_channel(session, message.team_id, message.channel_id)
    if postmortem is None:
        return False
    event = timeline.get_by_key(session, postmortem.id, "slack", message.source_key)
    if event is None:
        return record_message(session, message)
    if event.edited_at is not None and event.edited_at > edited_at:
        return False  # a later edit arrived first
    event.text, event.edited_at = message.text, edited_at
    return True


def record_deletion(
    session: Session, team_id: str, channel_id: str, ts: str, deleted_at: datetime
) -> bool:
    """Drop the text of a deleted message but keep the row, so the gap can be reported."""
    postmortem = postmortems.get_by_channel(session, team_id, channel_id)
    if postmortem is None:
        return False
    key = f"{channel_id}:{ts}"
    event = timeline.get_by_key(session, postmortem.id, "slack", key)
    if event is None:
        tombstone = TimelineEvent(
            team_id=team_id,
            postmortem_id=postmortem.id,
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
