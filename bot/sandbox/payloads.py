"""What Slack sends an app: event_callback envelopes, events, and interaction payloads.

Shapes follow Slack's Events API and interactivity docs (and the recorded
fixtures under tests/fixtures). Builders are pure: the Driver fills
in ids and timestamps from the sandbox and sends them.
"""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.slack_state import SlackWorkspace

Payload = dict[str, Any]


def channel_type(ws: SlackWorkspace, channel_id: str) -> str:
    chan = ws.channels.get(channel_id)
    if chan is None:
        return "channel"
    if chan.is_im:
        return "im"
    return "group" if chan.is_private else "channel"


def envelope(ws: SlackWorkspace, event: Payload, event_id: str) -> Payload:
    """The `event_callback` wrapper around an event, as delivered over HTTP."""
    body: Payload = {"token": ws.verification_token, "team_id": ws.team_id}
    body.update(api_app_id=ws.app_id, event=event, type="event_callback", event_id=event_id)
    body["event_time"] = int(time.time())
    body["authorizations"] = [
        {
            "enterprise_id": None,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    body.update(is_ext_shared_channel=False, event_context=f"4-sandbox-{event_id}")
    return body


def message_event(ws: SlackWorkspace, channel: str, message: Payload) -> Payload:
    """`message` as a person's post arrives (thread replies carry thread_ts, parent_user_id)."""
    event: Payload = {"type": "message"}
    for name in ("client_msg_id", "text", "user", "ts", "team", "blocks"):
        if name in message:
            event[name] = message[name]
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        event["thread_ts"] = message["thread_ts"]
        event["parent_user_id"] = message.get("parent_user_id", "")
    event.update(channel=channel, event_ts=message["ts"], channel_type=channel_type(ws, channel))
    return event


def message_changed(
    ws: SlackWorkspace, channel: str, previous: Payload, message: Payload, event_ts: str
) -> Payload:
    event: Payload = {"type": "message", "subtype": "message_changed", "message": message}
    event.update(channel=channel, hidden=True, ts=event_ts, event_ts=event_ts)
    event.update(previous_message=previous, channel_type=channel_type(ws, channel))
    return event


def message_deleted(ws: SlackWorkspace, channel: str, previous: Payload, event_ts: str) -> Payload:
    event: Payload = {"type": "message", "subtype": "message_deleted", "hidden": True}
    event.update(deleted_ts=previous["ts"], channel=channel, previous_message=previous)
    event.update(ts=event_ts, event_ts=event_ts, channel_type=channel_type(ws, channel))
    return event


def reaction_event(kind: str, user: str, channel: str, message: Payload, name: str) -> Payload:
    """`reaction_added` / `reaction_removed`."""
    event: Payload = {"type": kind, "user": user, "reaction": name}
    event["item"] = {"type": "message", "channel": channel, "ts": message["ts"]}
    event.update(item_user=message.get("user", ""), event_ts=f"{time.time():.6f}")
    return event


def pin_event(kind: str, user: str, channel: str, message: Payload, pin_count: int) -> Payload:
    """`pin_added` / `pin_removed`."""
    now = int(time.time())
    item: Payload = {"type": "message", "created": now, "created_by": user, "channel": channel}
    item["message"] = message
    event: Payload = {"type": kind, "user": user, "channel_id": channel, "item": item}
    event.update(item_user=message.get("user", ""), pin_count=str(pin_count))
    event["pinned_info"] = {"channel": channel, "pinned_by": user, "pinned_ts": now}
    if kind == "pin_removed":
        event["has_pins"] = pin_count > 0
    event["event_ts"] = f"{time.time():.6f}"
    return event


def slash_command_form(
    ws: SlackWorkspace, user_id: str, channel_id: str, text: str, command: str, urls: Payload
) -> dict[str, str]:
    """The form fields of a slash command request, in Slack's order."""
    chan = ws.channels.get(channel_id)
    user = ws.users.get(user_id, {})
    return {
        "token": ws.verification_token,
        "team_id": ws.team_id,
        "team_domain": ws.team_domain,
        "channel_id": channel_id,
        "channel_name": "directmessage" if chan and chan.is_im else (chan.name if chan else ""),
        "user_id": user_id,
        "user_name": user.get("name", user_id),
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": urls["response_url"],
        "trigger_id": urls["trigger_id"],
    }


def user_ref(ws: SlackWorkspace, user_id: str) -> Payload:
    name = ws.users.get(user_id, {}).get("name", user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}


def block_actions(ws: SlackWorkspace, action: Payload, context: Payload) -> Payload:
    """A `block_actions` payload; `context` has channel, message (or None), urls."""
    channel, message = context["channel_id"], context.get("message")
    container: Payload = {"type": "message", "channel_id": channel}
    container.update(message_ts=context["message_ts"], is_ephemeral=message is None)
    if context.get("thread_ts"):
        container["thread_ts"] = context["thread_ts"]
    payload: Payload = {"type": "block_actions", "user": user_ref(ws, context["user_id"])}
    payload.update(api_app_id=ws.app_id, token=ws.verification_token, container=container)
    payload.update(
        trigger_id=context["trigger_id"], team={"id": ws.team_id, "domain": ws.team_domain}
    )
    payload.update(enterprise=None, is_enterprise_install=False)
    chan = ws.channels.get(channel)
    payload["channel"] = {"id": channel, "name": chan.name if chan else ""}
    if message is not None:
        payload["message"] = message
    payload.update(state={"values": {}}, response_url=context["response_url"], actions=[action])
    return payload


def app_home_opened(user_id: str, channel_id: str, tab: str, view: Payload | None) -> Payload:
    """A person opened the app's Home (or Messages) tab; `view` is the Home published for
    them before, which Slack sends along when there is one."""
    event: Payload = {"type": "app_home_opened", "user": user_id, "channel": channel_id}
    event.update(tab=tab, event_ts=f"{time.time():.6f}")
    if view is not None:
        event["view"] = view
    return event


def home_block_actions(
    ws: SlackWorkspace, action: Payload, user_id: str, view: Payload, trigger_id: str
) -> Payload:
    """A click in a Home tab: the container is the view, which comes along whole; there is
    no channel, message or response URL."""
    payload: Payload = {"type": "block_actions", "user": user_ref(ws, user_id)}
    payload.update(api_app_id=ws.app_id, token=ws.verification_token)
    payload["container"] = {"type": "view", "view_id": view["id"]}
    payload.update(trigger_id=trigger_id, team={"id": ws.team_id, "domain": ws.team_domain})
    payload.update(enterprise=None, is_enterprise_install=False, view=view)
    payload.update(state={"values": {}}, actions=[action])
    return payload


def view_submission(ws: SlackWorkspace, user_id: str, view: Payload, trigger_id: str) -> Payload:
    payload: Payload = {
        "type": "view_submission",
        "team": {"id": ws.team_id, "domain": ws.team_domain},
    }
    payload.update(user=user_ref(ws, user_id), api_app_id=ws.app_id, token=ws.verification_token)
    payload.update(trigger_id=trigger_id, view=view, response_urls=[])
    payload.update(is_enterprise_install=False, enterprise=None)
    return payload
