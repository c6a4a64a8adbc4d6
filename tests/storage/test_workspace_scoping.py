"""Lookups by an id from a button or a list stay within the asking workspace (issue 12).

Acme's post-mortem and items exist; Globex asks for them by id, as a forged or stale
button would. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import NotFound
from bot.services import action_item_lists, postmortems
from storage.models import ActionItem
from storage.repositories import open_items

ACME, GLOBEX = "T0ACME", "T0GLOBEX"
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def _acme_items(sessions: sessionmaker[Session]) -> tuple[int, list[int]]:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session, team_id=ACME, channel_id="C0ACME", user_id="U0A", title="Login", now=NOW
        )
        items = [
            ActionItem(
                team_id=ACME,
                postmortem_id=postmortem.id,
                number=number,
                action=f"add login alert {number}",
                owner_id="U0A",
                deadline=date(2026, 12, 1),
                priority="High",
            )
            for number in (1, 2)
        ]
        session.add_all(items)
        session.flush()
        return postmortem.id, [item.id for item in items]


def test_items_asked_for_by_id_from_another_workspace_are_not_found(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id, item_ids = _acme_items(sessions)

    with sessions() as session:
        theirs = open_items.by_ids(session, GLOBEX, item_ids)
        ours = open_items.by_ids(session, ACME, list(reversed(item_ids)))
        redrawn = action_item_lists.same_items(session, GLOBEX, item_ids)
        heading, listed = action_item_lists.of_postmortem(session, GLOBEX, postmortem_id)

    assert theirs == [] and redrawn == []
    assert [item.id for item, _ in ours] == list(reversed(item_ids))
    assert (heading, listed) == ("Action items", [])


def test_a_page_button_naming_another_workspaces_post_mortem_shows_nothing(
    sessions: sessionmaker[Session],
) -> None:
    """A forged "Next page" of `/postmortem actions all` from Globex, naming Acme's
    post-mortem and even its channel id, is refused as gone; Acme's own click lists it."""
    postmortem_id, _ = _acme_items(sessions)

    with sessions() as session:
        with pytest.raises(NotFound):
            action_item_lists.of_postmortem_here(session, GLOBEX, "C0ACME", postmortem_id)
        _, ours = action_item_lists.of_postmortem_here(session, ACME, "C0ACME", postmortem_id)

    assert [item.action for item, _ in ours] == ["add login alert 1", "add login alert 2"]
