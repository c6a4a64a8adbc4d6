"""The in-memory shapes of a Slack workspace: timestamps, channels, messages.

Messages are kept as the very dicts the Web API returns (so a history page is a
`json.dumps` away); the bookkeeping Slack derives from them (thread counters,
reactions, pins) is updated in place when something changes. Nothing here
locks: the workspace that owns these objects holds the sandbox lock.
"""

from __future__ import annotations

import itertools
import time
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]

_block_ids = itertools.count(1)


class SlackFailure(Exception):
    """A Web API error, answered as `{"ok": false, "error": <name>}`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def ts_key(ts: str | float | int) -> int:
    """`"1700000000.000100"` -> 1700000000000100 (microseconds); ValueError if malformed."""
    text = str(ts).strip()
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        raise ValueError(f"not a Slack timestamp: {ts!r}")
    return int(whole) * 1_000_000 + int((frac + "000000")[:6])


def key_ts(key: int) -> str:
    """1700000000000100 -> `"1700000000.000100"`."""
    return f"{key // 1_000_000}.{key % 1_000_000:06d}"


def clone(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def now_key() -> int:
    return int(time.time() * 1_000_000)


def rich_text_blocks(text: str) -> list[dict[str, Any]]:
    """The `rich_text` block Slack's clients attach to a message a person types."""
    block_id = format(next(_block_ids), "x").rjust(4, "0")
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": block_id, "elements": [section]}]


@dataclass
class Channel:
    """A conversation and everything posted in it."""

    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    members: list[str] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""
    top: list[int] = field(default_factory=list)  # sorted keys of channel-level messages
    messages: dict[int, Message] = field(default_factory=dict)  # every message, by key
    threads: dict[int, list[int]] = field(default_factory=dict)  # parent key -> reply keys
    pins: dict[int, dict[str, Any]] = field(default_factory=dict)  # key -> {created, created_by}
    last_key: int = 0

    def next_key(self) -> int:
        """A fresh timestamp: now, or just after the newest one, whichever is later."""
        self.last_key = max(now_key(), self.last_key + 1)
        return self.last_key

    def claim_key(self, key: int) -> int:
        if key in self.messages:
            raise ValueError(f"{self.id} already has a message at {key_ts(key)}")
        self.last_key = max(self.last_key, key)
        return key

    def get(self, ts: str | None) -> Message | None:
        try:
            return self.messages.get(ts_key(ts)) if ts else None
        except ValueError:
            return None

    def thread_root(self, ts: str) -> Message | None:
        """The parent of the thread `ts` belongs to (itself when it is top-level)."""
        message = self.get(ts)
        if message is None:
            return None
        parent_ts = message.get("thread_ts")
        return self.get(parent_ts) if parent_ts and parent_ts != message["ts"] else message

    def add(self, message: Message, *, parent: Message | None, broadcast: bool = False) -> None:
        key = ts_key(message["ts"])
        self.messages[key] = message
        if parent is None or broadcast:
            insort(self.top, key)
        if parent is not None:
            insort(self.threads.setdefault(ts_key(parent["ts"]), []), key)
            refresh_thread(self, parent)

    def remove(self, message: Message) -> None:
        key = ts_key(message["ts"])
        self.messages.pop(key, None)
        self.pins.pop(key, None)
        index = bisect_left(self.top, key)
        if index < len(self.top) and self.top[index] == key:
            del self.top[index]
        parent = self.thread_parent_of(message)
        if parent is not None:
            self.threads[ts_key(parent["ts"])].remove(key)
            refresh_thread(self, parent)

    def thread_parent_of(self, message: Message) -> Message | None:
        parent_ts = message.get("thread_ts")
        if not parent_ts or parent_ts == message["ts"]:
            return None
        return self.get(parent_ts)

    def replies_of(self, parent: Message) -> list[Message]:
        keys = self.threads.get(ts_key(parent["ts"]), [])
        return [self.messages[key] for key in keys]


def refresh_thread(channel: Channel, parent: Message) -> None:
    """Recompute the thread fields Slack puts on a parent message."""
    replies = channel.replies_of(parent)
    for name in ("reply_count", "reply_users_count", "latest_reply", "reply_users", "is_locked"):
        parent.pop(name, None)
    if not replies:
        if parent.get("subtype") != "tombstone":
            parent.pop("thread_ts", None)
            parent.pop("subscribed", None)
        return
    users = list(dict.fromkeys(reply.get("user", "") for reply in replies))
    parent.update(
        thread_ts=parent["ts"],
        reply_count=len(replies),
        reply_users_count=len(users),
        latest_reply=replies[-1]["ts"],
        reply_users=users,
        is_locked=False,
        subscribed=False,
    )


def tombstone(message: Message) -> None:
    """What Slack leaves behind when a thread parent with replies is deleted."""
    keep: dict[str, Any] = {k: message[k] for k in ("ts", "thread_ts", "type") if k in message}
    message.clear()
    message.update(keep)
    message.update(subtype="tombstone", text="This message was deleted.", user="USLACKBOT")
    message["hidden"] = True


def add_reaction(message: Message, user: str, name: str) -> None:
    reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
    for reaction in reactions:
        if reaction["name"] == name:
            if user in reaction["users"]:
                raise SlackFailure("already_reacted")
            reaction["users"].append(user)
            reaction["count"] += 1
            return
    reactions.append({"name": name, "users": [user], "count": 1})


def remove_reaction(message: Message, user: str, name: str) -> None:
    reactions: list[dict[str, Any]] = message.get("reactions", [])
    for reaction in reactions:
        if reaction["name"] == name and user in reaction["users"]:
            reaction["users"].remove(user)
            reaction["count"] -= 1
            if not reaction["users"]:
                reactions.remove(reaction)
            if not reactions:
                message.pop("reactions", None)
            return
    raise SlackFailure("no_reaction")


def permalink(domain: str, channel: str, message: Message) -> str:
    base = f"https://{domain}.slack.com/archives/{channel}/p{message['ts'].replace('.', '')}"
    parent_ts = message.get("thread_ts")
    if parent_ts and parent_ts != message["ts"]:
        return f"{base}?thread_ts={parent_ts}&cid={channel}"
    return base
