"""Key events: a pin or the key reaction marks a message as key; taking it away unmarks it.

Each pin and each person's key reaction is a mark of its own; a message is key while
any mark is left. A message the timeline does not have yet (posted before the backfill
window, or missed) is filed when it is marked, from the copy the caller fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.spoken import Message, OwnBot, is_pin_mark, is_spoken
from bot.services import deliveries
from bot.services.backfill import message_row
from storage.models import Postmortem, TimelineEvent, TimelineMark
from storage.repositories import marks, postmortems, timeline


@dataclass(frozen=True)
class MarkRequest:
    """ "Mark (or unmark) the message at `ts`", on behalf of `marked_by` ("pin:U1", "reaction:U1")."""

    team_id: str
    channel_id: str
    ts: str
    marked_by: str
    adding: bool

    @property
    def source_key(self) -> str:
        return f"{self.channel_id}:{self.ts}"


def needs_message(session: Session, request: MarkRequest) -> bool | None:
    """None when no open post-mortem watches the channel; True when the message must be
    fetched from Slack first because the timeline does not have it."""
    postmortem = _open_postmortem(session, request)
    if postmortem is None:
        return None
    if not request.adding:
        return False
    return timeline.get_by_key(session, postmortem.id, "slack", request.source_key) is None


def apply(
    session: Session,
    request: MarkRequest,
    message: Message | None,
    own: OwnBot,
    *,
    event_id: str | None = None,
) -> bool:
    """Mark or unmark; True when the message's key flag changed. A retried delivery of
    `event_id` changes nothing."""
    if not deliveries.first_time(session, "slack", event_id, team_id=request.team_id):
        return False
    postmortem = _open_postmortem(session, request)
    if postmortem is None:
        return False
    row = timeline.get_by_key(session, postmortem.id, "slack", request.source_key)
    if request.adding:
        row = row or _file(session, postmortem, request, message, own)
        if row is None or row.deleted_at is not None:
            return False
        marks.add(session, _mark(postmortem, request))
        changed, row.is_key = not row.is_key, True
        return changed
    if row is None:
        return False
    if is_pin_mark(request.marked_by):
        marks.remove_pins(session, postmortem.id, request.source_key)
    else:
        marks.remove(session, postmortem.id, request.source_key, request.marked_by)
    still_key = marks.count_for(session, postmortem.id, request.source_key) > 0
    changed, row.is_key = row.is_key != still_key, still_key
    return changed


def _open_postmortem(session: Session, request: MarkRequest) -> Postmortem | None:
    postmortem = postmortems.get_by_channel(session, request.team_id, request.channel_id)
    return postmortem if postmortem is not None and postmortem.status == "open" else None


def _file(
    session: Session,
    postmortem: Postmortem,
    request: MarkRequest,
    message: Message | None,
    own: OwnBot,
) -> TimelineEvent | None:
    if message is None or message.get("ts") != request.ts or not is_spoken(message, own):
        return None
    row = message_row(postmortem.team_id, postmortem.id, request.channel_id, message)
    if timeline.add_unless_exists(session, row):
        return row
    return timeline.get_by_key(session, postmortem.id, "slack", request.source_key)


def _mark(postmortem: Postmortem, request: MarkRequest) -> TimelineMark:
    return TimelineMark(
        team_id=postmortem.team_id,
        postmortem_id=postmortem.id,
        source_key=request.source_key,
        marked_by=request.marked_by,
    )
