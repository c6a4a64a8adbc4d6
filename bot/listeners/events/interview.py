"""Replies and edits in a post-mortem's thread: the interview's answers.

`messages.on_message` acknowledges every message event and leaves messages of
the interview thread out of the timeline (`is_thread_message`);
`on_thread_message` runs after the acknowledgement (a Bolt lazy listener) and
files them. It sees every message event, so it returns at once for anything
that is not a reply in some thread.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.slack_text import ts_to_datetime
from bot.flows import timezones
from bot.flows.deps import Deps
from bot.flows.interview_thread import deliver
from bot.listeners.deps import deps_of
from bot.services import interview
from bot.services.interview import Reply, Timezone

# Subtypes of something a person said in the thread; joins, bots and the rest are not answers.
ANSWER_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


def is_thread_message(session: Session, team_id: str, event: dict[str, Any]) -> bool:
    """A reply in the interview thread, or an edit or deletion of one (the bot's own included)."""
    message = _message_of(event)
    thread_ts = message.get("thread_ts")
    if not thread_ts or thread_ts == message.get("ts"):
        return False
    channel_id = event.get("channel", "")
    return interview.postmortem_of_thread(session, team_id, channel_id, thread_ts) is not None


def on_thread_message(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    event = body.get("event") or {}
    message = _message_of(event)
    if not message.get("thread_ts") or _from_a_bot(message, context):
        return
    deps = deps_of(context)
    if event.get("subtype") == "message_changed":
        _take_edit(body, event, client, deps)
    elif event.get("subtype") in ANSWER_SUBTYPES:
        _take_reply(body, event, client, deps)


def _take_reply(body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    reply = _reply(body["team_id"], event["channel"], event)
    tz = _author_timezone(client, deps, reply)
    if tz is None:
        return
    with deps.sessions.begin() as session:
        outcome = interview.take_reply(
            session, reply, event_id=body.get("event_id"), now=deps.clock(), tz=tz
        )
    if outcome is not None:
        deliver(client, deps, outcome)


def _take_edit(body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    message = event["message"]
    if message.get("subtype") not in ANSWER_SUBTYPES:
        return
    reply = _reply(body["team_id"], event["channel"], message)
    edited_ts = (message.get("edited") or {}).get("ts") or event["ts"]
    tz = _author_timezone(client, deps, reply)
    if tz is None:
        return
    with deps.sessions.begin() as session:
        outcome = interview.take_edit(
            session, reply, edited_at=ts_to_datetime(edited_ts), now=deps.clock(), tz=tz
        )
    if outcome is not None:
        deliver(client, deps, outcome)


def _author_timezone(client: WebClient, deps: Deps, reply: Reply) -> Timezone | None:
    """The author's timezone (for a deadline they type), looked up before the reply's
    transaction opens: a Slack call inside it would hold the database (SQLite's one
    write lock) until Slack answered. None when the thread is no post-mortem's interview,
    so a reply in any other thread costs no lookup. Through the day-long cache, like the
    follow-ups' lookups."""
    with deps.sessions() as session:
        if not interview.postmortem_of_thread(
            session, reply.team_id, reply.channel_id, reply.thread_ts or ""
        ):
            return None
    zone = timezones.timezone_of(
        client, reply.team_id, reply.user_id, now=deps.clock(), sessions=deps.sessions
    )
    return lambda: zone


def _reply(team_id: str, channel_id: str, message: dict[str, Any]) -> Reply:
    return Reply(
        team_id=team_id,
        channel_id=channel_id,
        ts=message["ts"],
        thread_ts=message.get("thread_ts"),
        user_id=message.get("user"),
        text=message.get("text") or "",
    )


def _message_of(event: dict[str, Any]) -> dict[str, Any]:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return event.get("message") or {}
    if subtype == "message_deleted":
        return event.get("previous_message") or {}
    return event


def _from_a_bot(message: dict[str, Any], context: BoltContext) -> bool:
    return bool(
        message.get("bot_id")
        or message.get("subtype") == "bot_message"
        or (context.bot_user_id and message.get("user") == context.bot_user_id)
    )
