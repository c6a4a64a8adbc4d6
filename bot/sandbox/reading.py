"""What a person sees of a sandbox message: its text as Slack shows it, and its controls.

The demo and `postmortem-bot sandbox show` print messages this way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MENTION = re.compile(r"<@(U[A-Z0-9]+)(?:\|[^>]*)?>")
LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def visible_text(message: Mapping[str, Any]) -> str:
    """The blocks' text when there are blocks, else the fallback `text`."""
    texts: list[str] = []
    for block in message.get("blocks") or []:
        if block.get("type") in ("section", "header") and block.get("text"):
            texts.append(block["text"]["text"])
        for field in block.get("fields") or []:
            texts.append(field["text"])
        if block.get("type") == "context":
            texts.extend(element.get("text", "") for element in block["elements"])
    return "\n".join(t for t in texts if t) or message.get("text", "")


def readable(text: str, names: Mapping[str, str]) -> str:
    """Slack's markup made plain: `<@U0BOB>` as @bob, links as `label (url)`, entities undone."""
    text = MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


CHOICES = ("static_select", "overflow", "radio_buttons", "checkboxes", "datepicker", "users_select")


def elements(message: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(block_id, element) of each button, select and picker in the message's blocks."""
    found: list[tuple[str, dict[str, Any]]] = []
    for block in message.get("blocks") or []:
        candidates = [block.get("accessory")] if block.get("accessory") else []
        candidates += block.get("elements") or [] if block.get("type") == "actions" else []
        found += [
            (str(block.get("block_id") or "b"), element)
            for element in candidates
            if isinstance(element, dict) and element.get("type") in ("button", *CHOICES)
        ]
    return found


def controls(message: Mapping[str, Any]) -> list[dict[str, str]]:
    """The message's buttons, selects and pickers, in order:
    {action_id, type, label, value (a button's), options (their texts, comma-separated), block_id}."""
    return [_control(element, block_id) for block_id, element in elements(message)]


def label(element: Mapping[str, Any]) -> str:
    """What the element shows: a button's text, a select's placeholder or initial option."""
    shown = element.get("text") or element.get("placeholder") or element.get("initial_option")
    if isinstance(shown, dict) and isinstance(shown.get("text"), dict):
        shown = shown["text"]  # an option: its text is an object
    return str(shown.get("text", "")) if isinstance(shown, dict) else ""


def _control(element: Mapping[str, Any], block_id: str) -> dict[str, str]:
    options = [
        label(option) or str(option.get("value", "")) for option in element.get("options") or []
    ]
    return {
        "action_id": str(element.get("action_id", "")),
        "type": str(element.get("type")),
        "label": label(element),
        "value": str(element.get("value", "")),
        "options": ",".join(options),
        "block_id": block_id,
    }
