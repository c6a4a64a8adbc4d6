"""Messages posted, edited and deleted in a watched channel become timeline events.

Slack delivers an event again when it did not see our 2xx in time; the
event id is claimed in the same transaction as the work, so a retry is a no-op.

The ack decides, in one transaction shared with the other requests of the moment
(`bot.inbox.recording.write_before_ack`): a message of a watched channel is filed in
the timeline there, before the answer; an answer in an interview thread is left to
the lazy listener, recorded in the inbox; anything else (most of what a bot in many
channels sees) records nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy.orm import Session

from bot.core.slack_text import ts_to_datetime
from bot.core.spoken import TOMBSTONE, OwnBot, actor_of, is_spoken, text_of, thread_of
from bot.inbox.recording import settled_in_ack, write_before_ack
from bot.listeners.errors import in_background
from bot.listeners.events import interview
from bot.services import capture, deliveries
from bot.services.capture import ChannelMessage


def register(app: App) -> None:
    # Bolt runs only the first listener matching an event: interview replies are routed here.
    app.event("message")(ack=on_message, lazy=[in_background(interview.on_thread_message)])
    app.event("app_mention")(ignore)


def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    # In a Slack Connect channel the outer team_id is whoever posted; ours is the installation.
    team_id = installed_team(body, context)
    own = OwnBot(context.bot_user_id, context.bot_id)
    if not write_before_ack(context, partial(_file, body, event, team_id, own)):
        settled_in_ack(context)  # nothing for the interview: record no work for later


def _file(
    body: dict[str, Any], event: dict[str, Any], team_id: str, own: OwnBot, session: Session
) -> bool:
    """File a watched channel's message in its timeline; True for an interview answer,
    which the lazy listener files after the ack."""
    if interview.is_thread_message(session, team_id, event):
        return _for_the_interview(event, own)  # an answer, not a timeline event
    postmortem = capture.watched(session, team_id, event.get("channel", ""))
    if postmortem is None:
        return False
    if deliveries.first_time(session, "slack", body.get("event_id"), team_id=team_id):
        _route_message(session, postmortem.id, team_id, event, own)
    return False


def _for_the_interview(event: dict[str, Any], own: OwnBot) -> bool:
    """What `interview.on_thread_message` acts on: a person's reply or edit in the thread."""
    subtype = event.get("subtype")
    message = (event.get("message") or {}) if subtype == "message_changed" else event
    if subtype not in interview.ANSWER_SUBTYPES and subtype != "message_changed":
        return False
    from_a_bot = message.get("bot_id") or message.get("subtype") == "bot_message"
    return not (from_a_bot or own.wrote(message))


def ignore() -> None:
    """Acknowledged so Slack does not retry; mentions are answered in the thread flow."""


def _route_message(
    session: Session, postmortem_id: int, team_id: str, event: dict[str, Any], own: OwnBot
) -> None:
    """The bot's own messages (and their edits, like a progress line) and noise such as
    joins are not timeline events; a deletion is kept as a gap unless it removed one."""
    subtype = event.get("subtype")
    changed = _changed(event) if subtype == "message_changed" else {}
    if subtype == "message_changed" and not changed.get("ts"):
        return  # nothing says which message changed
    if subtype == "message_changed" and changed.get("subtype") == TOMBSTONE:
        # A thread parent deleted while its replies stay arrives as an edit into a tombstone.
        deleted_ts, at = changed["ts"], ts_to_datetime(event["ts"])
        capture.record_deletion(session, postmortem_id, team_id, event["channel"], deleted_ts, at)
    elif subtype == "message_changed":
        if is_spoken(changed, own):
            message = _channel_message(team_id, event["channel"], changed)
            capture.record_edit(session, postmortem_id, message, ts_to_datetime(event["ts"]))
    elif subtype == "message_deleted":
        previous = event.get("previous_message")
        if previous is None or is_spoken(previous, own):
            deleted_ts = event.get("deleted_ts") or event["previous_message"]["ts"]
            at = ts_to_datetime(event["ts"])
            capture.record_deletion(
                session, postmortem_id, team_id, event["channel"], deleted_ts, at
            )
    elif is_spoken(event, own):
        message = _channel_message(team_id, event["channel"], event)
        capture.record_message(session, postmortem_id, message)


def installed_team(body: dict[str, Any], context: BoltContext) -> str:
    """The workspace the bot is installed in: Bolt reads it from `authorizations`, which a
    Slack Connect event carries while its outer `team_id` is the other organisation's."""
    authorizations = body.get("authorizations") or [{}]
    return str(context.team_id or authorizations[0].get("team_id") or body.get("team_id") or "")


def _changed(event: dict[str, Any]) -> dict[str, Any]:
    """The message as edited; Slack sometimes leaves out fields (even `ts`) that did not
    change, which the `previous_message` still has."""
    message = event.get("message") or {}
    previous = event.get("previous_message") or {}
    if message.get("ts") or not previous:
        return dict(message)
    merged = {**previous, **message, "ts": previous.get("ts")}
    if "thread_ts" not in message and previous.get("thread_ts"):
        merged["thread_ts"] = previous["thread_ts"]
    return merged


def _channel_message(team_id: str, channel_id: str, message: dict[str, Any]) -> ChannelMessage:
    return ChannelMessage(
        team_id=team_id,
        channel_id=channel_id,
        ts=message["ts"],
        text=text_of(message),
        user_id=actor_of(message),
        thread_ts=thread_of(message),
    )
