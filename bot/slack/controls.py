"""Block Kit interactive elements and input blocks: buttons, selects, pickers.

Plain dicts, like `bot.slack.blocks`. Labels are plain_text, which Slack never
parses for mentions, so they need no escaping; each is kept within its Slack limit
(`bot.slack.limits`): button and option texts 75, placeholders 150, option values 150.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.slack import limits
from bot.slack.blocks import Block

Element = dict[str, Any]


def plain(text: str, limit: int = limits.BUTTON_TEXT) -> dict[str, Any]:
    """A plain_text label within `limit` (button and option texts: 75), shortened with "…"."""
    return {"type": "plain_text", "text": limits.label(text, limit), "emoji": True}


def button(
    text: str, action_id: str, value: str, *, style: Literal["primary", "danger"] | None = None
) -> Element:
    element: Element = {"type": "button", "text": plain(text), "action_id": action_id}
    element["value"] = value
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, limits.OPTION_TEXT), "value": value[: limits.OPTION_VALUE]}


def static_select(
    action_id: str,
    placeholder: str,
    options: list[dict[str, Any]],
    *,
    initial: dict[str, Any] | None = None,
) -> Element:
    element: Element = {"type": "static_select", "action_id": action_id, "options": options}
    element["placeholder"] = plain(placeholder, limits.PLACEHOLDER)
    if initial is not None:
        element["initial_option"] = initial
    return element


def actions(block_id: str, *elements: Element) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def input_block(
    block_id: str, label: str, element: Element, *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, limits.INPUT_LABEL),
    }
    block.update(element=element, optional=optional)
    if hint:
        block["hint"] = plain(hint, limits.INPUT_LABEL)
    return block


def text_input(action_id: str, *, multiline: bool = False, placeholder: str = "") -> Element:
    element: Element = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if placeholder:
        element["placeholder"] = plain(placeholder, limits.PLACEHOLDER)
    return element


def users_select(action_id: str, placeholder: str) -> Element:
    return {
        "type": "users_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, limits.PLACEHOLDER),
    }


def datepicker(action_id: str, placeholder: str) -> Element:
    return {
        "type": "datepicker",
        "action_id": action_id,
        "placeholder": plain(placeholder, limits.PLACEHOLDER),
    }


def checkboxes(action_id: str, options: list[dict[str, Any]]) -> Element:
    return {"type": "checkboxes", "action_id": action_id, "options": options}


def chosen_value(action: dict[str, Any]) -> str:
    """The value a click or a selection carries (buttons: `value`; selects: the option's)."""
    selected = action.get("selected_option") or {}
    return str(selected.get("value") or action.get("value") or "")
