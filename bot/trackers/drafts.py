"""An action item as a ticket: title, body, labels, the hidden marker (pure).

The marker `<!-- postmortem-bot item:ID -->` is how a ticket is found again: before
filing, the bot looks for it, so a creation whose answer was lost is not repeated; a
webhook reads it to know which item a ticket is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.trackers.base import TicketDraft

LABEL = "post-mortem"
_MARKER = re.compile(r"<!-- postmortem-bot item:(\d{1,18}) -->")


@dataclass(frozen=True)
class ItemForTicket:
    """What a ticket says about one action item (plain values, read by the service)."""

    id: int
    code: str
    action: str
    owner: str | None  # a name people read ("Bob Diaz"), or None when unowned
    assignee: str | None  # the owner's login in the tracker (`/postmortem me github`)
    deadline: date | None
    priority: str | None
    factor_kind: str | None
    factor_text: str | None
    postmortem_title: str
    postmortem_url: str | None


def marker(item_id: int) -> str:
    return f"<!-- postmortem-bot item:{item_id} -->"


def item_of(body: str | None) -> int | None:
    """The item id a ticket's body names in its marker, if any."""
    found = _MARKER.search(body or "")
    return int(found.group(1)) if found else None


def draft(item: ItemForTicket) -> TicketDraft:
    labels = [LABEL]
    if item.factor_kind and item.factor_kind not in labels:
        labels.append(item.factor_kind)
    return TicketDraft(
        marker=marker(item.id),
        title=f"{item.code}: {item.action}"[:256],
        body=body(item),
        labels=tuple(labels),
        assignee=item.assignee,
        due=item.deadline,
        priority=item.priority,
    )


def body(item: ItemForTicket) -> str:
    """The ticket's Markdown body; the action is quoted as typed, never as markup."""
    factor = item.factor_text or "none named"
    if item.factor_kind:
        factor = f"{factor} ({item.factor_kind})"
    postmortem = item.postmortem_title
    if item.postmortem_url:
        postmortem = f"[{item.postmortem_title}]({item.postmortem_url})"
    lines = [
        f"**Action:** {item.action}",
        "",
        f"- Owner: {item.owner or 'unassigned'}",
        f"- Deadline: {item.deadline.isoformat() if item.deadline else 'none'}",
        f"- Priority: {item.priority or 'none'}",
        f"- Contributing factor: {factor}",
        f"- Post-mortem: {postmortem}",
        "",
        f"Filed by postmortem-bot for {item.code}; closing this issue marks the item done.",
        marker(item.id),
    ]
    return "\n".join(lines)
