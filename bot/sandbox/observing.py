"""What the bot said after a person acted: a snapshot before, a quiet wait, the difference.

Used by `bot.sandbox.control`. Everything is reported as an "item", a plain dict
a client can print: {ts, channel, thread_ts, who, text, controls, replies,
reactions, files, private_to, modal, home}.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.sandbox import modals
from bot.sandbox.reading import controls, readable, visible_text
from bot.sandbox.slack_model import Message
from bot.sandbox.slack_state import SlackWorkspace

Item = dict[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """The bot's messages (by channel and ts, with a version) and the record counts."""

    messages: dict[tuple[str, str], str]
    ephemerals: int
    responses: int
    views: int


def names(ws: SlackWorkspace) -> dict[str, str]:
    with ws.lock:
        return {user_id: record["name"] for user_id, record in ws.users.items()}


def snapshot(ws: SlackWorkspace) -> Snapshot:
    with ws.lock:
        return Snapshot(_bot_messages(ws), len(ws.ephemerals), len(ws.responses), len(ws.views))


def wait_until_quiet(ws: SlackWorkspace, settle: float, patience: float) -> None:
    """Return once the bot has made no Web API call for `settle` seconds (or after `patience`)."""
    deadline = time.monotonic() + patience
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        with ws.lock:
            count = len(ws.calls) + len(ws.responses)
        now = time.monotonic()
        if count != seen:
            seen, since = count, now
        elif now - since >= settle:
            return
        time.sleep(0.05)


def said_since(ws: SlackWorkspace, before: Snapshot) -> list[Item]:
    """Bot messages posted or changed since `before`, what only someone saw, modals opened,
    Home tabs published."""
    who = names(ws)
    with ws.lock:
        items: list[Item | None] = [
            message_item(channel, message, who)
            for (channel, ts), version in _bot_messages(ws).items()
            if before.messages.get((channel, ts)) != version
            for message in [ws.message(channel, ts)]
        ]
        items += [_ephemeral_item(e, who) for e in ws.ephemerals[before.ephemerals :]]
        items += [_response_item(ws, r, who) for r in ws.responses[before.responses :]]
        views = ws.views[before.views :]
        items += [_modal_item(v) for v in views if v["method"] != "views.publish"]
        items += [_home_item(v, who) for v in views if v["method"] == "views.publish"]
    return sorted((i for i in items if i is not None), key=lambda item: float(item["ts"]))


def message_item(channel: str, message: Message, who: dict[str, str]) -> Item:
    thread_ts = message.get("thread_ts")
    user = message.get("user", "")
    return {
        "ts": message["ts"],
        "channel": channel,
        "thread_ts": thread_ts if thread_ts and thread_ts != message["ts"] else None,
        "who": "bot" if message.get("bot_id") else who.get(user, user or "?"),
        "text": readable(visible_text(message), who),
        "controls": controls(message),
        "replies": message.get("reply_count", 0),
        "reactions": [f":{r['name']}: {r['count']}" for r in message.get("reactions") or []],
        "files": [f.get("name") or f.get("title", "") for f in message.get("files") or []],
        "edited": bool(message.get("edited")),
    }


def clock(ts: str) -> str:
    """A message's time of day in UTC, as the demo prints it."""
    return datetime.fromtimestamp(float(ts), UTC).strftime("%H:%M")


def _bot_messages(ws: SlackWorkspace) -> dict[tuple[str, str], str]:
    return {
        (chan.id, message["ts"]): repr(
            (message.get("text"), message.get("blocks"), message.get("edited"))
        )
        for chan in ws.channels.values()
        for message in chan.messages.values()
        if message.get("bot_id")
    }


def _private(ts: str, channel: str, user: str, body: dict[str, Any], who: dict[str, str]) -> Item:
    return {
        "ts": ts,
        "channel": channel,
        "who": "bot",
        "private_to": who.get(user, user),
        "text": readable(visible_text(body), who),
        "controls": controls(body),
    }


def _ephemeral_item(entry: dict[str, Any], who: dict[str, str]) -> Item:
    return _private(entry["message_ts"], entry["channel"], entry["user"], entry, who)


def _response_item(ws: SlackWorkspace, entry: dict[str, Any], who: dict[str, str]) -> Item | None:
    """What a response URL showed only to the person (a new or replaced ephemeral message);
    None when it posted, changed or deleted a channel message, reported as such."""
    body = entry["body"]
    if body.get("response_type") == "in_channel" or body.get("delete_original"):
        return None
    if body.get("replace_original"):
        context = ws.response_contexts.get(entry["command_id"]) or {}
        chan = ws.channels.get(str(context.get("channel_id")))
        if chan is not None and chan.get(context.get("message_ts")) is not None:
            return None
    return _private(f"{entry['at']:.6f}", entry["channel_id"], entry["user_id"], body, who)


def _modal_item(entry: dict[str, Any]) -> Item:
    view = entry["view"]
    inputs = [
        f"{f['name']} ({f['type']}{': ' + f['options'] if f['options'] else ''})"
        + (f" “{f['label']}”" if f["label"] else "")
        for f in modals.fields(view)
    ]
    return {
        "ts": f"{time.time():.6f}",
        "who": "bot",
        "modal": modals.title(view),
        "text": "\n".join(inputs),  # one field a line
        "controls": [],
    }


def _home_item(entry: dict[str, Any], who: dict[str, str]) -> Item:
    """A Home tab the bot published: seen by its person alone, where they open the app."""
    item = _private(f"{time.time():.6f}", "", entry["user_id"], entry["view"], who)
    return dict(item, home=True)
