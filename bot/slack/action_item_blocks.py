"""The "Add action item" modal: what it shows, and reading what was submitted.

Owner, deadline and priority are pickers, so nothing needs parsing; the
action text is checked for vagueness like a reply in the thread, and a
checkbox plays the part of `keep`. A submission can still carry anything: what
`read` cannot take as the bot wrote it (metadata that is not a post-mortem id, an
owner that is not a Slack user id, a date that is not one) it reads as None, for
the listener to refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core import ids
from bot.core.interview_views import FactorNotice
from bot.slack import controls, limits
from bot.slack.interview_blocks import LAYER_LABELS

CALLBACK = "action_item_add"
ACTION, OWNER, DEADLINE, PRIORITY, FACTOR, KEEP = (
    "action", "owner", "deadline", "priority", "factor", "keep"
)  # fmt: skip
VALUE = "value"
PRIORITIES = ("High", "Medium", "Low")


@dataclass(frozen=True)
class Submitted:
    postmortem_id: int | None
    action: str
    owner_id: str | None
    deadline: date | None
    priority: str | None
    factor_chain: int | None
    keep_vague: bool


def modal(postmortem_id: int, factors: list[FactorNotice]) -> dict[str, Any]:
    blocks = [
        controls.input_block(
            ACTION,
            "Action",
            controls.text_input(VALUE, multiline=True, placeholder="What will change, and where"),
            hint="Something someone else could verify: which dashboard, alert, test, runbook…",
        ),
        controls.input_block(OWNER, "Owner", controls.users_select(VALUE, "Who owns it")),
        controls.input_block(DEADLINE, "Deadline", controls.datepicker(VALUE, "Due by")),
        controls.input_block(
            PRIORITY,
            "Priority",
            controls.static_select(VALUE, "Priority", [controls.option(p, p) for p in PRIORITIES]),
        ),
    ]
    if factors:
        options = [_factor_option(factor) for factor in factors]
        select = controls.static_select(VALUE, "The factor it addresses", options)
        blocks.append(controls.input_block(FACTOR, "Factor", select, optional=True))
    keep = controls.option("Record it as written even if the bot finds it vague", "keep")
    blocks.append(
        controls.input_block(KEEP, "Vague?", controls.checkboxes(VALUE, [keep]), optional=True)
    )
    return limits.fit_view(
        {
            "type": "modal",
            "callback_id": CALLBACK,
            "private_metadata": str(postmortem_id),
            "title": controls.plain("Add action item", limits.VIEW_TITLE),
            "submit": controls.plain("Add", limits.VIEW_TITLE),
            "close": controls.plain("Cancel", limits.VIEW_TITLE),
            "blocks": blocks,
        }
    )


def read(view: dict[str, Any]) -> Submitted:
    values = _get(_get(view, "state"), "values")

    def field(block_id: str, name: str) -> Any:
        return _get(_get(_get(values, block_id), VALUE), name)

    priority = _get(field(PRIORITY, "selected_option"), "value")
    return Submitted(
        postmortem_id=ids.row_id(view.get("private_metadata")),
        action=str(field(ACTION, "value") or "").strip(),
        owner_id=ids.user_id(field(OWNER, "selected_user")),
        deadline=_day(field(DEADLINE, "selected_date")),
        priority=priority if priority in PRIORITIES else None,
        factor_chain=ids.index(_get(field(FACTOR, "selected_option"), "value")),
        keep_vague=bool(field(KEEP, "selected_options")),
    )


def picked_owner(view: dict[str, Any]) -> object:
    """The owner picker's raw value, to tell "nobody picked" from "not a person"."""
    return _get(_get(_get(_get(_get(view, "state"), "values"), OWNER), VALUE), "selected_user")


def _get(mapping: object, key: str) -> Any:
    """`mapping[key]`, or None when `mapping` is not a dict (a submission may carry anything)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _factor_option(factor: FactorNotice) -> dict[str, Any]:
    label = f"F{factor.chain} · {LAYER_LABELS.get(factor.layer, factor.layer)} · {factor.text}"
    return controls.option(label, str(factor.chain))
