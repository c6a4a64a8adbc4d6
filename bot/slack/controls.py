"""Block Kit interactive elements and input blocks: buttons, selects, pickers.

Plain dicts, like `bot.slack.blocks`. Labels are plain_text, which Slack never
parses for mentions, so they need no escaping; option values must stay under
Slack's 150 characters.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.slack.blocks import Block

Element = dict[str, Any]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def button(
    text: str, action_id: str, value: str, *, style: Literal["primary", "danger"] | None = None
) -> Element:
    element: Element = {"type": "button", "text": plain(text), "action_id": action_id}
    element["value"] = value
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value[:150]}


def static_select(
    action_id: str,
    placeholder: str,
    options: list[dict[str, Any]],
    *,
    initial: dict[str, Any] | None = None,
) -> Element:
    element: Element = {"type": "static_select", "action_id": action_id, "options": options}
    element["placeholder"] = plain(placeholder)
    if initial is not None:
        element["initial_option"] = initial
    return element


def actions(block_id: str, *elements: Element) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def input_block(
    block_id: str, label: str, element: Element, *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label)}
    block.update(element=element, optional=optional)
    if hint:
        block["hint"] = plain(hint)
    return block


def text_input(action_id: str, *, multiline: bool = False, placeholder: str = "") -> Element:
    element: Element = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def users_select(action_id: str, placeholder: str) -> Element:
    return {"type": "users_select", "action_id": action_id, "placeholder": plain(placeholder)}


def datepicker(action_id: str, placeholder: str) -> Element:
    return {"type": "datepicker", "action_id": action_id, "placeholder": plain(placeholder)}


def checkboxes(action_id: str, options: list[dict[str, Any]]) -> Element:
    return {"type": "checkboxes", "action_id": action_id, "options": options}


def chosen_value(action: dict[str, Any]) -> str:
    """The value a click or a selection carries (buttons: `value`; selects: the option's)."""
    selected = action.get("selected_option") or {}
    return str(selected.get("value") or action.get("value") or "")
