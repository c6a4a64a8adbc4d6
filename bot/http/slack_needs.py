"""What each kind of Slack body always carries, as Slack documents it, and in what format.

`slack_shapes` checks the types of the fields that are there; this checks that the
fields a kind of body is never without are there and filled in, because Bolt and the
listeners index them (`body["team_id"]`, `event["ts"]`, `body["actions"][0]`), and that
timestamps and response URLs read as Slack writes them. A body that lacks one is
refused with a 400 instead of ending in a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")  # Slack's message timestamps: "1700000000.000100"
TS_PATHS: tuple[str, ...] = ("event.ts", "event.thread_ts", "event.event_ts", "event.deleted_ts")
TS_PATHS += ("event.message.ts", "event.previous_message.ts", "container.message_ts")
TS_PATHS += ("message.ts", "message.thread_ts", "thread_ts")
_USER = ("user.id", "user.team_id")
# Keyed by the body's kind: its `type`, "command", or its event's type (and subtype).
NEEDS: dict[str, tuple[str, ...]] = {
    "command": ("command", "team_id", "user_id", "channel_id", "response_url"),
    "event_callback": ("team_id", "event"),
    "event:message": ("event.channel", "event.ts"),
    # Slack may leave `ts` out of the edited message; `previous_message` has it (the listener
    # reads either, and ignores an edit that names no message).
    "event:message:message_changed": ("event.message",),
    "event:message:message_deleted": ("event.deleted_ts",),
    "block_actions": ("actions.0.action_id", "trigger_id", *_USER),  # Bolt reads actions[0]
    "interactive_message": ("actions.0", "callback_id"),
    "view_submission": ("view", "trigger_id", *_USER),
    "view_closed": ("view", *_USER),
    "shortcut": ("callback_id", "trigger_id", "user.id"),
    "message_action": ("callback_id", "trigger_id", "user.id", "channel", "message"),
}


def missing(body: Mapping[str, Any]) -> str | None:
    """The first field this kind of body lacks or has in the wrong format, or None."""
    for path in (path for kind in _kinds(body) for path in NEEDS.get(kind, ())):
        if not _at(body, path):
            return path
    if "command" in body and not isinstance(body.get("text"), str):
        return "text"  # a command's text may be empty, never absent
    for path in TS_PATHS:
        value = _at(body, path)
        if value is not None and not (isinstance(value, str) and TS.fullmatch(value)):
            return path
    return _not_a_response_url(body)


def _kinds(body: Mapping[str, Any]) -> Iterator[str]:
    if "command" in body:
        yield "command"
    kind = body.get("type")
    if isinstance(kind, str):
        yield kind
    event = body.get("event")
    if kind == "event_callback" and isinstance(event, dict):
        yield f"event:{event.get('type')}"
        yield f"event:{event.get('type')}:{event.get('subtype')}"


def _at(body: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (a number indexes a list), or None where it runs out."""
    value: Any = body
    for key in path.split("."):
        if isinstance(value, list) and key.isdigit():
            value = value[int(key)] if int(key) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def _not_a_response_url(body: Mapping[str, Any]) -> str | None:
    """Bolt's `respond` posts to `response_url` (or `response_urls[0]`): an http(s) URL."""
    urls = [("response_url", body.get("response_url"))]
    for index, item in enumerate(body.get("response_urls") or ()):
        urls.append((f"response_urls[{index}].response_url", item.get("response_url")))
    for path, url in urls:
        if url is not None and not _is_web_url(url):
            return path
    return None


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname)
