"""What the inbox keeps of a Slack request: its kind, its key, its team and its order.

Pure functions of the parsed body, so a request is filed the same way in HTTP and in
Socket Mode, and on a retry as on the first delivery:

    kind          `event`, `command`, or the interaction's type (`block_actions`, …)
    delivery_key  Slack's own id of the delivery, so a retry is recorded once: the
                  `event_id` of an event, the `trigger_id` of a command or interaction
                  (else a hash of the body), then `:` and the lazy function's name,
                  since one request may start several
    order_key     `team:channel`, or `team:channel:thread_ts` for a reply in a thread:
                  one channel's commands, and one interview thread, apply in order
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

EVENT, COMMAND = "event", "command"
KIND_LENGTH = 16  # storage.models.InboxItem.kind
KEY_LENGTH = 128  # InboxItem.delivery_key
HANDLER_LENGTH = 64  # InboxItem.handler
ORDER_LENGTH = 200  # InboxItem.order_key


@dataclass(frozen=True)
class Delivery:
    kind: str
    delivery_key: str
    handler: str
    team_id: str | None
    order_key: str | None


def of(body: dict[str, Any], handler: str, *, raw: str) -> Delivery:
    """How to file `body` for the lazy function named `handler`; `raw` is what was received."""
    kind = kind_of(body)
    sender_id = body.get("event_id") if kind == EVENT else body.get("trigger_id")
    if not isinstance(sender_id, str) or not sender_id:
        sender_id = "sha256-" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    team_id = team_of(body)
    return Delivery(
        kind=kind,
        delivery_key=f"{sender_id}:{handler}"[:KEY_LENGTH],
        handler=handler[:HANDLER_LENGTH],
        team_id=team_id,
        order_key=order_key_of(body, team_id),
    )


def kind_of(body: dict[str, Any]) -> str:
    if body.get("type") == "event_callback":
        return EVENT
    if body.get("command"):
        return COMMAND
    return str(body.get("type") or "request")[:KIND_LENGTH]


def team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team")
    if isinstance(team, dict) and isinstance(team.get("id"), str):
        return team["id"]
    for value in (team, body.get("team_id"), (body.get("user") or {}).get("team_id")):
        if isinstance(value, str) and value:
            return value
    return None


def order_key_of(body: dict[str, Any], team_id: str | None) -> str | None:
    channel = channel_of(body)
    if not channel:
        return None
    thread = thread_of(body)
    key = f"{team_id or '-'}:{channel}" + (f":{thread}" if thread else "")
    return key[:ORDER_LENGTH]


def channel_of(body: dict[str, Any]) -> str | None:
    event = body.get("event") or {}
    channel = (
        body.get("channel") or event.get("channel") or (event.get("item") or {}).get("channel")
    )
    if isinstance(channel, dict):
        channel = channel.get("id")
    channel = (
        channel
        or body.get("channel_id")
        or event.get("channel_id")
        or (body.get("container") or {}).get("channel_id")
    )
    return channel if isinstance(channel, str) and channel else None


def thread_of(body: dict[str, Any]) -> str | None:
    """The thread a message (or a click on one) is a reply in; None at the channel's top."""
    event = body.get("event") or {}
    if event:
        subtype = event.get("subtype")
        if subtype == "message_changed":
            event = event.get("message") or {}
        elif subtype == "message_deleted":
            event = event.get("previous_message") or {}
        message = event
    else:
        message = body.get("message") or body.get("container") or {}
    thread_ts = message.get("thread_ts")
    ts = message.get("ts") or message.get("message_ts")
    if not isinstance(thread_ts, str) or not thread_ts or thread_ts == ts:
        return None
    return thread_ts


def user_of(body: dict[str, Any]) -> str | None:
    """Who asked: the person to tell when their request could not be done."""
    user = body.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    if not user:
        event = body.get("event") or {}
        user = body.get("user_id") or event.get("user")
    return user if isinstance(user, str) and user else None
