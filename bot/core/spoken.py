"""Which Slack messages belong in a timeline, and who said them.

Used alike by live capture and the history backfill, so both feeds agree on
what is noise: joins, leaves, topic changes and the bot's own prompts are not
things that happened in the incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Message = dict[str, Any]

# Subtypes that carry what someone said; the rest (joins, topic changes…) is noise.
SPOKEN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message", "bot_message"})
TOMBSTONE = "tombstone"


@dataclass(frozen=True)
class OwnBot:
    """This bot as Slack knows it (auth.test): its messages are never timeline events."""

    user_id: str | None
    bot_id: str | None = None

    def wrote(self, message: Message) -> bool:
        user, bot = message.get("user"), message.get("bot_id")
        return bool((user and user == self.user_id) or (bot and bot == self.bot_id))


def is_spoken(message: Message, own: OwnBot) -> bool:
    """A message a person (or another app, like an alerting tool) said in the channel."""
    return message.get("subtype") in SPOKEN_SUBTYPES and not own.wrote(message)


def actor_of(message: Message) -> str | None:
    """The user id; for apps without one, the name they post under, else their bot id."""
    if message.get("user"):
        return message["user"]
    profile = message.get("bot_profile") or {}
    return profile.get("name") or message.get("username") or message.get("bot_id")


def text_of(message: Message) -> str:
    """What the message says; a bare file share is named by its files."""
    text = message.get("text") or ""
    if text.strip():
        return text
    names = [f.get("title") or f.get("name") or "a file" for f in message.get("files") or []]
    return f"Shared {', '.join(names)}" if names else ""


def thread_of(message: Message) -> str | None:
    """The parent's ts for a thread reply; None for a top-level message (even a parent)."""
    thread_ts = message.get("thread_ts")
    return thread_ts if thread_ts and thread_ts != message.get("ts") else None
