"""Slack's documented size limits on what an app sends, checked as Slack checks them.

Real Slack refuses an over-limit payload as a whole: chat.postMessage,
chat.postEphemeral and chat.update answer `invalid_blocks` (a block breaks a rule)
or `msg_too_long` (the top-level `text`), views.* answer `invalid_arguments`,
and a response URL answers HTTP 400 `invalid_blocks`. This module is the sandbox's
own reading of the limits, written apart from the bot's `bot.slack.limits` on
purpose: a slip in the bot's mechanism must not hide itself here.

Figures, from Slack's Block Kit reference (api.slack.com/reference/block-kit/blocks,
…/block-elements, …/composition-objects) and the chat.postMessage and views.open
method pages:
- 50 blocks in a message, 100 in a modal or Home tab;
- message `text` 40,000 characters (`msg_too_long` above);
- section `text` 3,000; `fields` at most 10, each 2,000;
- header `text` (plain_text) 150; context at most 10 elements;
- actions at most 25 elements; `block_id` and `action_id` 255;
- button `text` 75, `value` 2,000, `url` 3,000;
- option `text` 75, `value` 150; a select at most 100 options, checkboxes and radio
  buttons 10; a placeholder 150;
- input `label` 2,000, `hint` 2,000;
- a modal's `title`, `submit` and `close` 24, `private_metadata` 3,000,
  `callback_id` 255.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40_000
TEXT_OBJECT = 3_000

_ELEMENT_TEXT = {"button": 75}
_OPTIONS = {"static_select": 100, "multi_static_select": 100, "overflow": 5}
_OPTIONS.update(checkboxes=10, radio_buttons=10)


def message_problems(text: object, blocks: object) -> tuple[str, list[str]] | None:
    """(error, reasons) Slack would answer a chat.* payload with, or None when it fits."""
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        return "msg_too_long", [f"text is {len(text)} characters (at most {MESSAGE_TEXT})"]
    reasons = list(_blocks(blocks, MESSAGE_BLOCKS))
    return ("invalid_blocks", reasons) if reasons else None


def view_problems(view: dict[str, Any]) -> list[str]:
    """Why views.open/push/update/publish would answer `invalid_arguments`; empty: it fits."""
    reasons = list(_blocks(view.get("blocks"), VIEW_BLOCKS))
    for name in ("title", "submit", "close"):
        reasons += _text(
            view.get(name),
            f"view.{name}",
            24,
            required=name == "title" and view.get("type") == "modal",
        )
    reasons += _length(view.get("private_metadata"), "view.private_metadata", 3_000)
    reasons += _length(view.get("callback_id"), "view.callback_id", 255)
    return reasons


def _blocks(blocks: object, most: int) -> Iterator[str]:
    if blocks is None:
        return
    if not isinstance(blocks, list):
        yield "blocks is not a list"
        return
    if len(blocks) > most:
        yield f"{len(blocks)} blocks (at most {most})"
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            yield f"blocks[{index}] is not an object"
            continue
        yield from _block(block, f"blocks[{index}]")


def _block(block: dict[str, Any], where: str) -> Iterator[str]:
    kind = block.get("type")
    yield from _length(block.get("block_id"), f"{where}.block_id", 255)
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            yield f"{where} has neither text nor fields"
        yield from _text(block.get("text"), f"{where}.text", TEXT_OBJECT, required=False)
        fields = block.get("fields") or []
        if len(fields) > 10:
            yield f"{where}.fields has {len(fields)} items (at most 10)"
        for i, field in enumerate(fields):
            yield from _text(field, f"{where}.fields[{i}]", 2_000)
        if isinstance(block.get("accessory"), dict):
            yield from _element(block["accessory"], f"{where}.accessory")
    elif kind == "header":
        yield from _text(block.get("text"), f"{where}.text", 150)
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > 10:
            yield f"{where}.elements has {len(elements)} items (1 to 10)"
        for i, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                yield from _text(element, f"{where}.elements[{i}]", TEXT_OBJECT)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > 25:
            yield f"{where}.elements has {len(elements)} items (1 to 25)"
        for i, element in enumerate(elements):
            yield from _element(element, f"{where}.elements[{i}]")
    elif kind == "input":
        yield from _text(block.get("label"), f"{where}.label", 2_000)
        yield from _text(block.get("hint"), f"{where}.hint", 2_000, required=False)
        if isinstance(block.get("element"), dict):
            yield from _element(block["element"], f"{where}.element")


def _element(element: object, where: str) -> Iterator[str]:
    if not isinstance(element, dict):
        yield f"{where} is not an object"
        return
    kind = str(element.get("type", ""))
    yield from _length(element.get("action_id"), f"{where}.action_id", 255)
    yield from _text(element.get("placeholder"), f"{where}.placeholder", 150, required=False)
    if kind == "button":
        yield from _text(element.get("text"), f"{where}.text", _ELEMENT_TEXT["button"])
        yield from _length(element.get("value"), f"{where}.value", 2_000)
        yield from _length(element.get("url"), f"{where}.url", 3_000)
    options = element.get("options")
    if isinstance(options, list):
        most = _OPTIONS.get(kind, 100)
        if len(options) > most:
            yield f"{where}.options has {len(options)} items (at most {most})"
        for i, option in enumerate(options):
            yield from _option(option, f"{where}.options[{i}]")
    if kind == "plain_text_input":
        cap = element.get("max_length")
        most = cap if isinstance(cap, int) else 3_000
        yield from _length(element.get("initial_value"), f"{where}.initial_value", most)


def _option(option: object, where: str) -> Iterator[str]:
    if not isinstance(option, dict):
        yield f"{where} is not an object"
        return
    yield from _text(option.get("text"), f"{where}.text", 75)
    yield from _length(option.get("value"), f"{where}.value", 150)


def _text(obj: object, where: str, most: int, *, required: bool = True) -> Iterator[str]:
    if obj is None:
        if required:
            yield f"{where} is missing"
        return
    text = obj.get("text") if isinstance(obj, dict) else None
    if not isinstance(text, str):
        yield f"{where} is not a text object"
    elif not text:
        yield f"{where} is empty"
    elif len(text) > most:
        yield f"{where} is {len(text)} characters (at most {most})"


def _length(value: object, where: str, most: int) -> Iterator[str]:
    if isinstance(value, str) and len(value) > most:
        yield f"{where} is {len(value)} characters (at most {most})"
