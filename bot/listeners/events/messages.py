"""Messages posted, edited and deleted in a watched channel become timeline events.

Slack delivers an event again when it did not see our 2xx in time; the
event id is claimed in the same transaction as the work, so a retry is a no-op.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy.orm import Session

from bot.listeners.deps import deps_of
from bot.services import capture
from bot.services.capture import ChannelMessage
from bot.slack.text import ts_to_datetime
from storage.repositories import deliveries

# Subtypes that carry what someone said; the rest (joins, topic changes…) is noise.
SPOKEN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message", "bot_message"})


def register(app: App) -> None:
    app.event("message")(on_message)
    app.event("app_mention")(ignore)


def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    team_id, channel_id = body["team_id"], event.get("channel", "")
    with deps.sessions.begin() as session:
        if not capture.is_watched(session, team_id, channel_id):
            return
        if not _first_delivery(session, body):
            return
        _route_message(session, team_id, event)


def ignore() -> None:
    """Acknowledged so Slack does not retry; mentions are answered in the thread flow."""


def _route_message(session: Session, team_id: str, event: dict[str, Any]) -> None:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        message = _channel_message(team_id, event["channel"], event["message"])
        capture.record_edit(session, message, ts_to_datetime(event["ts"]))
    elif subtype == "message_deleted":
        deleted_ts = event.get("deleted_ts") or event["previous_message"]["ts"]
        capture.record_deletion(
            session, team_id, event["channel"], deleted_ts, ts_to_datetime(event["ts"])
        )
    elif subtype in SPOKEN_SUBTYPES:
        capture.record_message(session, _channel_message(team_id, event["channel"], event))


def _channel_message(team_id: str, channel_id: str, message: dict[str, Any]) -> ChannelMessage:
    return ChannelMessage(
        team_id=team_id,
        channel_id=channel_id,
        ts=message["ts"],
        text=message.get("text", ""),
        user_id=message.get("user") or message.get("bot_id"),
        thread_ts=message.get("thread_ts"),
    )


def _first_delivery(session: Session, body: dict[str, Any]) -> bool:
    event_id = body.get("event_id")
    if not event_id:
        return True
    return deliveries.claim(session, "slack", event_id, team_id=body.get("team_id"))
