"""The milestones modal and the one-line answers of `/postmortem milestone`.

Drawn from `bot.core.milestones.Milestones` (plain values). Each milestone is one
optional text field holding its time in the person's own timezone, with where the
time came from beneath it; the fields' first values travel in the modal's metadata,
so a submission changes only what the person changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.core.milestones import LABELS, ORDER, Milestone, Milestones, Name, Origin, durations
from bot.core.report_words import duration_words
from bot.core.slack_text import escape
from bot.slack import blocks, limits

MILESTONES_VIEW = "milestones_edit"
TIME_INPUT = "at"
BLOCK_PREFIX = "milestone-"
LOCAL_FORMAT = "%Y-%m-%d %H:%M"

# Time zone names (IANA) are short; a longer one is no zone and not worth carrying.
ZONE_NAME = 64


@dataclass(frozen=True)
class ModalState:
    """What the modal was opened on: which post-mortem, in which timezone, with what values."""

    postmortem_id: int
    team_id: str
    zone_name: str
    initial: dict[str, str]

    def to_json(self) -> str:
        return json.dumps(
            {
                "pm": self.postmortem_id,
                "team": self.team_id,
                "tz": self.zone_name,
                "initial": self.initial,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ModalState:
        data = json.loads(text)
        return cls(int(data["pm"]), str(data["team"]), str(data["tz"]), dict(data["initial"]))


def block_id(name: Name) -> str:
    return f"{BLOCK_PREFIX}{name.value}"


def local(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime(LOCAL_FORMAT)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def modal(
    known: Milestones, *, postmortem_id: int, team_id: str, zone: tzinfo, zone_name: str
) -> blocks.Block:
    if len(zone_name) > ZONE_NAME:  # no time zone is named so; its zone is UTC then
        zone_name = "UTC"
    initial = {name.value: local(m.at, zone) for name in ORDER if (m := known.get(name))}
    state = ModalState(postmortem_id, team_id, zone_name, initial)
    intro = (
        f"Times are in your timezone, *{escape(zone_name)}* (or end one with `UTC`), as "
        "`2026-11-30 22:43` or `22:43`. A time you type wins over what PagerDuty or the "
        "timeline says; empty a field you set to go back to what the data says."
    )
    fields = [_field(name, known.get(name), initial.get(name.value)) for name in ORDER]
    return limits.fit_view(
        {
            "type": "modal",
            "callback_id": MILESTONES_VIEW,
            "private_metadata": state.to_json(),
            "title": {"type": "plain_text", "text": "Milestones"},
            "submit": {"type": "plain_text", "text": "Save"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [blocks.section(intro), *fields, blocks.context(_spans(known))],
        }
    )


def _field(name: Name, found: Milestone | None, value: str | None) -> blocks.Block:
    element: blocks.Block = {"type": "plain_text_input", "action_id": TIME_INPUT}
    if value:
        element["initial_value"] = value
    element["placeholder"] = {"type": "plain_text", "text": "YYYY-MM-DD HH:MM"}
    return {
        "type": "input",
        "block_id": block_id(name),
        "optional": True,
        "label": {"type": "plain_text", "text": LABELS[name]},
        "element": element,
        "hint": {
            "type": "plain_text",
            "text": limits.label(source_words(found), limits.INPUT_LABEL),
        },
    }


def source_words(found: Milestone | None) -> str:
    if found is None:
        return "Unknown: nothing in the data says, and nobody set it."
    if found.origin is Origin.PERSON:
        return f"{utc(found.at)}, {found.origin_words}"
    return f"{utc(found.at)}, from {found.origin_words}"


def _spans(known: Milestones) -> str:
    words = duration_words(durations(known))
    return (
        f"Time to detect {words['ttd']} · to acknowledge {words['tta']} · "
        f"to mitigate {words['ttm']} · to resolve {words['ttr']}"
    )


def listing(known: Milestones, zone: tzinfo, zone_name: str) -> str:
    """Every milestone in one ephemeral answer, with where it came from, and the spans."""
    lines = []
    for name in ORDER:
        found = known.get(name)
        when = (
            f"{utc(found.at)} ({local(found.at, zone)} {escape(zone_name)})" if found else "unknown"
        )
        origin = (
            f" — {found.origin_words}"
            if found
            else f" — set it: `/postmortem milestone {name.value} TIME`"
        )
        lines.append(f"• *{LABELS[name]}*: {when}{origin}")
    return "\n".join([*lines, _spans(known)])


def values_of(view: dict[str, Any]) -> dict[Name, str]:
    """What each field holds on submission ("" for one emptied); a field the submission
    does not carry at all is left out, so it is not taken for one emptied."""
    state = view.get("state", {}).get("values", {})
    found: dict[Name, str] = {}
    for name in ORDER:
        block = state.get(block_id(name))
        if not isinstance(block, dict) or TIME_INPUT not in block:
            continue
        found[name] = str((block[TIME_INPUT] or {}).get("value") or "").strip()
    return found
