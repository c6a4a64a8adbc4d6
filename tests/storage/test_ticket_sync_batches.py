"""The periodic sync on SQLite and PostgreSQL: bounded per run (`ticket_sync.BATCH`), a
workspace with more ticketed items than one run asks about gets the rest asked by the
next run of the same slot, not the same first ones found again and skipped as taken; a
ticket its tracker deleted is noted once and not asked about again; a ticket in a
repository its workspace no longer names is not asked about at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.flows import ticket_sync
from bot.services import tickets
from bot.trackers.base import Ticket, TicketDraft
from bot.trackers.errors import TrackerGone
from storage.models import ActionItem
from storage.repositories import followup_claims
from tests.storage.test_tickets import ACME, _item

REPO = "acme/checkout"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# acme/checkout is the deployment's own repository: every workspace's tickets there move.
SETTINGS = Settings(tracker_sync_minutes=30, github_repository=REPO)


class OpenIssues:
    """A tracker whose issues are all still open; it notes which pages it was asked about."""

    name = "GitHub"

    def __init__(self, deleted: tuple[str, ...] = ()) -> None:
        self.asked: list[str] = []
        self.deleted = deleted

    def find(self, target: str, markers: list[str]) -> dict[str, Ticket]:
        return {}

    def create(self, target: str, draft: TicketDraft) -> Ticket:
        raise AssertionError("the sync files nothing")

    def status(self, target: str, url: str) -> Ticket:
        self.asked.append(url)
        if url in self.deleted:
            raise TrackerGone(f"GitHub no longer has {url}: This issue was deleted")
        return Ticket(f"#{url.rsplit('/', 1)[-1]}", url, closed=False)


def _items_with_tickets(sessions: sessionmaker[Session], count: int) -> list[str]:
    urls = [f"https://github.com/{REPO}/issues/{n}" for n in range(1, count + 1)]
    first = _item(sessions)  # the post-mortem and its item 1
    with sessions.begin() as session:
        item = session.get_one(ActionItem, first)
        item.ticket_url = urls[0]
        for number, url in enumerate(urls[1:], start=2):
            session.add(
                replace_item(item, number=number, ticket_url=url, action=f"{item.action} {number}")
            )
    return urls


def replace_item(item: ActionItem, **changes: object) -> ActionItem:
    """Another item of `item`'s post-mortem, like it but for `changes`."""
    columns = ("team_id", "postmortem_id", "action", "owner_id", "deadline", "priority")
    values: dict[str, object] = {name: getattr(item, name) for name in columns}
    return ActionItem(**{**values, **changes})


def _run(
    sessions: sessionmaker[Session],
    tracker: OpenIssues,
    now: datetime,
    settings: Settings = SETTINGS,
) -> dict[str, int]:
    tally = ticket_sync.sync(
        sessions,
        {"github": tracker},  # type: ignore[dict-item]
        settings,
        now=now,
        worker="w1",
        team_id=ACME,
        pauses=ticket_sync.Pauses(),
    )
    return dict(tally)


def test_a_second_run_of_the_slot_asks_about_the_items_the_first_run_had_no_room_for(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ticket_sync, "BATCH", 2)
    urls = _items_with_tickets(sessions, 5)
    tracker = OpenIssues()

    assert _run(sessions, tracker, NOW) == {"same": 2}
    assert _run(sessions, tracker, NOW + timedelta(minutes=5)) == {"same": 2}
    assert _run(sessions, tracker, NOW + timedelta(minutes=10)) == {"same": 1}
    assert _run(sessions, tracker, NOW + timedelta(minutes=15)) == {}, "all asked this slot"
    assert sorted(tracker.asked) == sorted(urls), "each item asked once in the slot"

    tracker.asked.clear()  # the next slot asks again, from the first
    assert _run(sessions, tracker, NOW + timedelta(minutes=30)) == {"same": 2}
    assert tracker.asked == urls[:2]


def test_a_deleted_ticket_is_noted_once_and_not_asked_about_in_later_slots(
    sessions: sessionmaker[Session],
) -> None:
    urls = _items_with_tickets(sessions, 2)
    tracker = OpenIssues(deleted=(urls[0],))

    assert _run(sessions, tracker, NOW) == {"gone": 1, "same": 1}
    tracker.asked.clear()
    for slot in range(1, 4):
        assert _run(sessions, tracker, NOW + timedelta(minutes=30 * slot)) == {"same": 1}
    assert tracker.asked == [urls[1]] * 3, "the deleted one is not asked again"
    with sessions() as session:
        (gone,) = followup_claims.list_all(session, tickets.GONE_KIND)
    assert gone.error is not None and "was deleted" in gone.error


def test_items_no_configured_tracker_can_be_asked_about_do_not_hold_up_the_others(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two items filed in Jira before JIRA_URL was unset, then one on GitHub: runs of
    two items each reach the GitHub one at the slot's second run."""
    monkeypatch.setattr(ticket_sync, "BATCH", 2)
    urls = _items_with_tickets(sessions, 3)
    with sessions.begin() as session:
        for item in session.scalars(select(ActionItem).order_by(ActionItem.id).limit(2)):
            item.ticket_url = f"https://acme.atlassian.example/browse/OPS-{item.number}"
    tracker = OpenIssues()

    assert _run(sessions, tracker, NOW) == {"no tracker": 2}
    assert _run(sessions, tracker, NOW + timedelta(minutes=5)) == {"same": 1}
    assert tracker.asked == [urls[2]]


def test_a_ticket_in_a_repository_its_workspace_no_longer_names_is_not_asked_about(
    sessions: sessionmaker[Session],
) -> None:
    """The channel named acme/checkout, filed there, then moved to another repository: a
    close found there could move nothing (the webhooks' rule), so the sync spends no
    request on it and leaves no change waiting in the inbox, slot after slot."""
    urls = _items_with_tickets(sessions, 2)
    elsewhere = Settings(tracker_sync_minutes=30, github_repository="acme/other")
    tracker = OpenIssues()
    with sessions.begin() as session:
        tickets.set_channel_tracker(session, ACME, "C0INC", tickets.GITHUB, REPO, "U0ALICE")

    assert _run(sessions, tracker, NOW, elsewhere) == {"same": 2}, "named: both asked"
    with sessions.begin() as session:
        tickets.set_channel_tracker(
            session, ACME, "C0INC", tickets.GITHUB, "acme/payments", "U0ALICE"
        )
    tracker.asked.clear()
    assert _run(sessions, tracker, NOW + timedelta(minutes=30), elsewhere) == {"not named": 2}
    assert tracker.asked == []
    assert _run(sessions, tracker, NOW + timedelta(minutes=35), elsewhere) == {}, "settled"
    assert urls
