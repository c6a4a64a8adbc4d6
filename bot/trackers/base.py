"""What a ticket tracker does for the bot, whichever it is (GitHub Issues, Jira).

The flows (`bot.flows.tickets`) hold a `Tracker` and never ask which one: they look for
the tickets already filed for some items (by the hidden marker in each ticket) and file
the ones missing. `target` is where tickets go: `owner/name` for GitHub, a project key
for Jira.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class TicketDraft:
    """A ticket to file for one action item; `marker` is hidden in its body."""

    marker: str
    title: str
    body: str
    labels: tuple[str, ...]
    assignee: str | None
    due: date | None
    priority: str | None


@dataclass(frozen=True)
class Ticket:
    """A filed ticket: its key (`#12`, `OPS-7`), the page people open, open or closed."""

    key: str
    url: str
    closed: bool


class Tracker(Protocol):
    """A ticket system; every failure is a `bot.trackers.errors.TrackerError`."""

    name: str

    def find(self, target: str, markers: Iterable[str]) -> dict[str, Ticket]:
        """The tickets already filed in `target` carrying one of `markers`, by marker."""
        ...

    def create(self, target: str, draft: TicketDraft) -> Ticket:
        """File `draft` in `target`."""
        ...

    def status(self, target: str, url: str) -> Ticket:
        """The ticket of `target` whose page is `url`, as the tracker has it now."""
        ...
