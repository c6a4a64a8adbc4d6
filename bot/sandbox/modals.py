"""Filling in a modal the bot opened, as a person would before pressing Submit.

`fields(view)` lists a view's inputs; `state(view, given, person)` builds the
`view.state.values` Slack would submit: what `given` says for a field, else the
field's initial value, else nothing. A field is named by its block_id, or by its
action_id when those are unique in the view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

Block = dict[str, Any]
SHAPES = {  # element type -> (what it submits, where its initial value is)
    "static_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "overflow": ("selected_option", "initial_option"),
    "checkboxes": ("selected_options", "initial_options"),
    "datepicker": ("selected_date", "initial_date"),
    "users_select": ("selected_user", "initial_user"),
}


class FieldError(ValueError):
    """A value the field cannot take; the message is for the person."""


def title(view: Mapping[str, Any]) -> str:
    return str((view.get("title") or {}).get("text", ""))


def fields(view: Mapping[str, Any]) -> list[dict[str, str]]:
    """The inputs: {name, type, label, options (their texts, comma-separated)}."""
    return [
        {
            "name": name,
            "type": str(element.get("type", "")),
            "label": str((block.get("label") or {}).get("text", "")),
            "options": ",".join(
                _text(o) or str(o.get("value")) for o in element.get("options") or []
            ),
        }
        for name, block, element in _inputs(view)
    ]


def state(
    view: Mapping[str, Any], given: Mapping[str, str], person: Callable[[str], str]
) -> dict[str, dict[str, Block]]:
    """`view.state.values` with `given` filled in; FieldError names a field it cannot take.

    `person` turns a name into a user id (for users_select)."""
    left = dict(given)
    values: dict[str, dict[str, Block]] = {}
    for name, block, element in _inputs(view):
        block_id, action_id = str(block.get("block_id", "")), str(element.get("action_id", ""))
        value = left.pop(block_id) if block_id in left else left.pop(name, None)
        values.setdefault(block_id, {})[action_id] = answer(element, value, person, name)
    if left:
        known = ", ".join(f["name"] for f in fields(view)) or "none"
        raise FieldError(f"the modal has no field {next(iter(left))!r}; its fields: {known}")
    return values


def _inputs(view: Mapping[str, Any]) -> Iterator[tuple[str, Block, Block]]:
    """(name, block, element) of each input block."""
    inputs = [
        (block, block["element"])
        for block in view.get("blocks") or []
        if block.get("type") == "input" and isinstance(block.get("element"), dict)
    ]
    action_ids = [str(element.get("action_id", "")) for _, element in inputs]
    unique = len(set(action_ids)) == len(action_ids)
    for (block, element), action_id in zip(inputs, action_ids, strict=True):
        yield (action_id if unique else str(block.get("block_id", ""))), block, element


def answer(
    element: Block, value: str | None, person: Callable[[str], str], name: str = ""
) -> Block:
    """What `element` submits with `value` chosen (None: its initial value), as Slack sends it
    in a view's state or a block_actions action: {type, value | selected_...}. `name` is
    the field's, for a FieldError."""
    kind, name = element.get("type"), name or str(element.get("action_id", ""))
    if value is None:
        submitted, initial = SHAPES.get(str(kind), ("value", "initial_value"))
        return {"type": kind, submitted: element.get(initial, [] if kind == "checkboxes" else None)}
    sent: Block = {"type": kind}
    if kind in ("static_select", "radio_buttons", "overflow"):
        sent["selected_option"] = _option(element, value, name)
    elif kind == "checkboxes":
        parts = [part.strip() for part in value.split(",") if part.strip()]
        sent["selected_options"] = [_option(element, part, name) for part in parts]
    elif kind == "datepicker":
        sent["selected_date"] = _date(value, name)
    elif kind == "users_select":
        sent["selected_user"] = person(value)
    else:
        sent["value"] = value
    return sent


def _option(element: Block, wanted: str, name: str) -> Block:
    """The option `wanted` names: by value, by text (any case), or by the start of one text."""
    options = element.get("options") or []
    for matches in (
        lambda o: wanted == o.get("value"),
        lambda o: wanted.lower() == _text(o).lower(),
        lambda o: _text(o).lower().startswith(wanted.lower()),
    ):
        found = [option for option in options if matches(option)]
        if len(found) == 1:
            return found[0]
    known = "; ".join(_text(o) or str(o.get("value")) for o in options)
    raise FieldError(f"{name} has no option {wanted!r}; its options: {known}")


def _date(value: str, name: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise FieldError(f"{name} takes a date like 2026-12-20, not {value!r}") from None


def _text(option: Block) -> str:
    return str((option.get("text") or {}).get("text", ""))
