"""The lists `/postmortem actions` shows, and the rows a clicked message is re-drawn from."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.core.followup_views import ItemRow
from bot.errors import NotAllowed, NotFound
from bot.services import permissions
from bot.services.item_views import row_view, row_views
from storage.repositories import open_items, postmortems

MINE_HEADING = "Your open action items"


def mine(session: Session, team_id: str, user_id: str) -> list[ItemRow]:
    return row_views(open_items.open_for_owner(session, team_id, user_id))


def mine_listed(session: Session, team_id: str, user_id: str) -> tuple[str, list[ItemRow]]:
    """(heading, the person's open items): `/postmortem actions` and its pages."""
    return MINE_HEADING, mine(session, team_id, user_id)


def of_channel(session: Session, team_id: str, channel_id: str) -> tuple[str, list[ItemRow]]:
    """(heading, every item of the channel's post-mortem, done ones too)."""
    postmortem = postmortems.get_by_channel(session, team_id, channel_id)
    if postmortem is None:
        raise NotFound(
            "There is no post-mortem in this channel yet: start one with `/postmortem start`."
        )
    items = open_items.for_postmortem(session, postmortem.id)
    return f"Action items of {postmortem.title}", [row_view(item, postmortem) for item in items]


def of_postmortem(session: Session, team_id: str, postmortem_id: int) -> tuple[str, list[ItemRow]]:
    """(heading, every item of the post-mortem), for re-drawing an `all` list after a click."""
    postmortem = postmortems.get(session, postmortem_id)
    if postmortem is None or postmortem.team_id != team_id:
        return "Action items", []
    return of_channel(session, team_id, postmortem.channel_id)


def of_postmortem_here(
    session: Session, team_id: str, channel_id: str | None, postmortem_id: int
) -> tuple[str, list[ItemRow]]:
    """(heading, every item) for a page button of an `all` list: the post-mortem it names
    must be in the clicker's workspace and be the one of the channel clicked in."""
    postmortem = postmortems.get(session, postmortem_id)
    if postmortem is None or postmortem.team_id != team_id:
        raise NotFound(permissions.GONE)
    if postmortem.channel_id != channel_id:
        raise NotAllowed(permissions.OTHER_CHANNEL)
    return of_channel(session, team_id, postmortem.channel_id)


def same_items(session: Session, team_id: str, item_ids: Sequence[int]) -> list[ItemRow]:
    """The workspace's items among `item_ids`, as a re-drawn list shows them."""
    return row_views(open_items.by_ids(session, team_id, item_ids))
