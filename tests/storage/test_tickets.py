"""Tickets on SQLite and PostgreSQL: an item is linked to one ticket once, a channel's
repository and a person's login are kept per workspace, and a ticket's status moves only
the item that links it, in a workspace that files there."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.services import tickets
from storage.models import ActionItem, Postmortem
from storage.repositories import workspaces

ACME, GLOBEX = "T0ACME", "T0GLOBEX"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
URL = "https://github.com/acme/checkout/issues/1"


def _item(sessions: sessionmaker[Session], team: str = ACME, channel: str = "C0INC") -> int:
    with sessions.begin() as session:
        workspaces.ensure(session, team)
        postmortem = Postmortem(
            team_id=team,
            channel_id=channel,
            title="Checkout 500s",
            lead_user_id="U0ALICE",
            created_by="U0ALICE",
            thread_ts="1764000000.000100",
        )
        session.add(postmortem)
        session.flush()
        item = ActionItem(
            team_id=team,
            postmortem_id=postmortem.id,
            number=1,
            action="add a pool saturation alert",
            owner_id="U0BOB",
            deadline=date(2026, 12, 4),
            priority="High",
        )
        session.add(item)
        session.flush()
        return item.id


def test_an_item_is_linked_once_and_the_first_link_stays(sessions: sessionmaker[Session]) -> None:
    item_id = _item(sessions)
    with sessions.begin() as session:
        assert tickets.record(session, item_id, URL)
    with sessions.begin() as session:
        assert not tickets.record(session, item_id, URL.replace("/1", "/2"))
        assert session.get(ActionItem, item_id).ticket_url == URL  # type: ignore[union-attr]


def test_the_channels_repository_and_the_owners_login_shape_the_batch(
    sessions: sessionmaker[Session],
) -> None:
    item_id = _item(sessions)
    with sessions.begin() as session:
        postmortem_id = session.get(ActionItem, item_id).postmortem_id  # type: ignore[union-attr]
        batch = tickets.untracked(
            session, ACME, postmortem_id, "https://bot.example", {tickets.GITHUB: "acme/default"}
        )
        assert batch.target == "acme/default" and batch.items[0].item.assignee is None
        tickets.set_channel_repository(session, ACME, "C0INC", "acme/payments", "U0ALICE")
        tickets.set_channel_repository(session, ACME, "C0INC", "acme/checkout", "U0ALICE")
        tickets.set_login(session, ACME, "U0BOB", "bob-diaz")
        tickets.set_login(session, GLOBEX, "U0BOB", "someone-else")
    with sessions.begin() as session:
        batch = tickets.untracked(
            session, ACME, postmortem_id, "https://bot.example", {tickets.GITHUB: "acme/default"}
        )
        assert batch.target == "acme/checkout" and batch.items[0].item.assignee == "bob-diaz"
        assert tickets.workspaces_of(session, "ACME/Checkout", "acme/default") == {ACME}
        assert tickets.workspaces_of(session, "acme/default", "acme/default") is None
        assert tickets.workspaces_of(session, "nobody/here", "acme/default") == frozenset()


def test_a_status_moves_only_the_item_linking_that_issue_in_its_workspace(
    sessions: sessionmaker[Session],
) -> None:
    item_id = _item(sessions)
    with sessions.begin() as session:
        tickets.record(session, item_id, URL)
    with sessions.begin() as session:
        other = URL.replace("/1", "/9")
        assert (
            tickets.apply_status(session, item_id, other, closed=True, team_ids=None, now=NOW)
            is None
        )
        assert (
            tickets.apply_status(
                session, item_id, URL, closed=True, team_ids=frozenset({GLOBEX}), now=NOW
            )
            is None
        )
        change = tickets.apply_status(
            session, item_id, URL, closed=True, team_ids=frozenset({ACME}), now=NOW
        )
        assert change is not None and change.done and change.code == "AI-001"
        assert (
            tickets.apply_status(session, item_id, URL, closed=True, team_ids=None, now=NOW) is None
        )
    with sessions.begin() as session:
        item = session.get(ActionItem, item_id)
        assert item is not None and item.status == "done" and item.done_at is not None
        reopened = tickets.apply_status(session, item_id, URL, closed=False, team_ids=None, now=NOW)
        assert reopened is not None and not reopened.done
        assert item.status == "open" and item.done_at is None


def test_a_channel_naming_a_jira_project_files_there_with_the_owners_jira_email(
    sessions: sessionmaker[Session],
) -> None:
    item_id = _item(sessions)
    defaults = {tickets.GITHUB: "acme/default", tickets.JIRA: "OPS"}
    with sessions.begin() as session:
        postmortem_id = session.get(ActionItem, item_id).postmortem_id  # type: ignore[union-attr]
        tickets.set_channel_repository(session, ACME, "C0INC", "acme/checkout", "U0ALICE")
        tickets.set_login(session, ACME, "U0BOB", "bob-diaz")
        tickets.set_channel_tracker(session, ACME, "C0INC", tickets.JIRA, "CHK", "U0ALICE")
        tickets.set_identity(session, ACME, "U0BOB", tickets.JIRA, "bob@acme.example")
    with sessions.begin() as session:
        batch = tickets.untracked(session, ACME, postmortem_id, "https://bot.example", defaults)
        assert (batch.system, batch.target) == (tickets.JIRA, "CHK")
        assert batch.items[0].item.assignee == "bob@acme.example"
        assert tickets.channel_tracker(session, ACME, "C0INC") == (tickets.JIRA, "CHK")
        assert tickets.channel_tracker(session, GLOBEX, "C0INC") is None
        assert tickets.workspaces_of(session, "chk", "OPS", system=tickets.JIRA) == {ACME}
        assert tickets.workspaces_of(session, "CHK", "OPS") == frozenset(), "not a repository"
        assert tickets.workspaces_of(session, "OPS", "OPS", system=tickets.JIRA) is None
        url = "https://acme.atlassian.net/browse/CHK-1"
        assert tickets.item_linking(session, url) is None
        tickets.record(session, item_id, url)
        assert tickets.item_linking(session, url) == item_id


def test_a_channel_that_named_no_tracker_files_in_the_first_default(
    sessions: sessionmaker[Session],
) -> None:
    item_id = _item(sessions)
    with sessions.begin() as session:
        postmortem_id = session.get(ActionItem, item_id).postmortem_id  # type: ignore[union-attr]
        tickets.set_identity(session, ACME, "U0BOB", tickets.JIRA, "bob@acme.example")
        jira_only = tickets.untracked(
            session, ACME, postmortem_id, "https://bot.example", {tickets.JIRA: "OPS"}
        )
        assert (jira_only.system, jira_only.target) == (tickets.JIRA, "OPS")
        assert jira_only.items[0].item.assignee == "bob@acme.example"
        none = tickets.untracked(session, ACME, postmortem_id, "https://bot.example", {})
        assert (none.system, none.target) == (None, None) and none.items[0].item.assignee is None
