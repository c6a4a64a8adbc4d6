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
    """The person's user id; for an app, the name it posts under, else its user or bot id.

    Alerting apps (Datadog, Grafana, Opsgenie, PagerDuty's) name themselves in
    `bot_profile`, in `username`, or only in their attachments' `author_name`; an app's
    post may carry its bot user's id too (`user` beside `bot_id`), which is no person."""
    if message.get("user") and not message.get("bot_id"):
        return message["user"]
    profile = message.get("bot_profile") or {}
    authors = [a.get("author_name") for a in _attachments(message) if a.get("author_name")]
    named = profile.get("name") or message.get("username") or next(iter(authors), None)
    return named or message.get("user") or message.get("bot_id")


def text_of(message: Message) -> str:
    """What the message says, whatever its shape: its `text`, else its blocks, else its
    attachments (the shape alerting apps post), else the titles of its files."""
    text = message.get("text") or ""
    if text.strip():
        return text
    for words in (blocks_text(message.get("blocks")), _attachments_text(message), _files(message)):
        if words:
            return words
    return ""


def blocks_text(blocks: Any) -> str:
    """The words of Block Kit blocks: section, header, context, rich_text (and fields)."""
    lines = [line for block in _dicts(blocks) if (line := _block_text(block).strip())]
    return "\n".join(lines)


def _block_text(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind in ("section", "header"):
        parts = [_text_object(block.get("text"))]
        parts += [_text_object(field) for field in _dicts(block.get("fields"))]
        return "\n".join(part for part in parts if part)
    if kind == "context":
        return " ".join(
            t for element in _dicts(block.get("elements")) if (t := _text_object(element))
        )
    if kind == "rich_text":
        return "\n".join(
            t for element in _dicts(block.get("elements")) if (t := _rich_text(element))
        )
    return ""


def _text_object(element: Any) -> str:
    """A `plain_text` / `mrkdwn` composition object's text ("" for images and the like)."""
    if not isinstance(element, dict) or element.get("type") not in ("plain_text", "mrkdwn"):
        return ""
    return str(element.get("text") or "")


def _rich_text(element: dict[str, Any]) -> str:
    """A rich_text section, list, quote or preformatted run, as Slack's mrkdwn would say it."""
    kind = element.get("type")
    if kind == "rich_text_list":
        items = [_rich_text(item) for item in _dicts(element.get("elements"))]
        return "\n".join(f"• {item}" for item in items if item)
    if kind in ("rich_text_section", "rich_text_quote", "rich_text_preformatted"):
        return "".join(_rich_run(run) for run in _dicts(element.get("elements")))
    return ""


def _rich_run(run: dict[str, Any]) -> str:
    kind = run.get("type")
    if kind == "text":
        return str(run.get("text") or "")
    if kind == "link":
        url = str(run.get("url") or "")
        return f"<{url}|{run['text']}>" if run.get("text") else f"<{url}>"
    if kind == "user":
        return f"<@{run.get('user_id', '')}>"
    if kind == "channel":
        return f"<#{run.get('channel_id', '')}>"
    if kind == "usergroup":
        return f"<!subteam^{run.get('usergroup_id', '')}>"
    if kind == "broadcast":
        return f"<!{run.get('range', '')}>"
    if kind == "emoji":
        return f":{run.get('name', '')}:"
    if kind == "date":
        return str(run.get("fallback") or "")
    return ""


def _attachments_text(message: Message) -> str:
    """Legacy attachments: pretext, title, text and fields; the fallback when they are bare."""
    said = []
    for attachment in _attachments(message):
        parts = [attachment.get(name) for name in ("pretext", "title", "text")]
        for field in _dicts(attachment.get("fields")):
            title, value = field.get("title"), field.get("value")
            parts.append(f"{title}: {value}" if title and value else (title or value))
        parts.append(blocks_text(attachment.get("blocks")))
        words = "\n".join(str(part).strip() for part in parts if part and str(part).strip())
        words = words or str(attachment.get("fallback") or "").strip()
        if words:
            said.append(words)
    return "\n".join(said)


def _files(message: Message) -> str:
    names = [f.get("title") or f.get("name") or "a file" for f in _dicts(message.get("files"))]
    return f"Shared {', '.join(names)}" if names else ""


def _attachments(message: Message) -> list[dict[str, Any]]:
    return _dicts(message.get("attachments"))


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts in a list field Slack may leave out, null, or fill with anything."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


PIN = "pin"


def pin_mark(pinned_by: str | None) -> str:
    """A pin's mark: "pin:<who pinned it>" where Slack says (`created_by`), else "pin".
    A message has one pin per channel: unpinning removes every pin mark."""
    return f"{PIN}:{pinned_by}" if pinned_by else PIN


def is_pin_mark(marked_by: str) -> bool:
    return marked_by == PIN or marked_by.startswith(f"{PIN}:")


def same_reaction(name: str, key_reaction: str) -> bool:
    """Skin tones ("pushpin::skin-tone-2") are the same reaction."""
    return name.split("::")[0] == key_reaction.split("::")[0]


def marks_of(message: Message, channel_id: str, key_reaction: str) -> set[str]:
    """The marks a message carries as history shows it: "pin" when it is pinned to the
    channel, "reaction:<user>" for each person whose key reaction is on it."""
    found = {PIN} if channel_id in (message.get("pinned_to") or []) else set()
    for reaction in _dicts(message.get("reactions")):
        if same_reaction(str(reaction.get("name") or ""), key_reaction):
            users = reaction.get("users") or []
            found |= {f"reaction:{user}" for user in users if isinstance(user, str) and user}
    return found


def thread_of(message: Message) -> str | None:
    """The parent's ts for a thread reply; None for a top-level message (even a parent)."""
    thread_ts = message.get("thread_ts")
    return thread_ts if thread_ts and thread_ts != message.get("ts") else None
