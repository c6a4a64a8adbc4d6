"""Where a list of action items was shown, and re-drawing it after a change.

Shared by the buttons (`actions/action_items.py`) and the deadline modal
(`views/deadline.py`): a digest DM is updated in place with `chat.update`; an
ephemeral `/postmortem actions` list can only be replaced through its response URL;
the App Home is published again (`bot.flows.app_home`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.followup import local_today
from bot.core.followup_views import ItemRow
from bot.errors import BadArguments
from bot.flows import app_home, timezones
from bot.flows.deps import Deps
from bot.services import action_item_lists
from bot.services.permissions import Actor
from bot.slack import followup_blocks, item_page_blocks, limits
from bot.slack.item_page_blocks import PageWanted


@dataclass(frozen=True)
class Origin:
    """A click on an item's button, and the list it came from."""

    team_id: str
    user_id: str
    item_id: int
    listing: str
    channel_id: str | None
    message_ts: str | None  # set when the list is a message we can update in place
    item_ids: tuple[int, ...]
    response_url: str | None

    @classmethod
    def from_click(cls, body: dict[str, Any]) -> Origin:
        item_id, listing = followup_blocks.parse_item_value(body["actions"][0]["value"])
        container = body.get("container") or {}
        message: dict[str, Any] = body.get("message") or {}
        in_place = bool(
            listing == followup_blocks.DIGEST and message and not container.get("is_ephemeral")
        )
        return cls(
            team_id=(body.get("team") or {}).get("id") or body["user"].get("team_id", ""),
            user_id=body["user"]["id"],
            item_id=item_id,
            listing=listing,
            channel_id=container.get("channel_id"),
            message_ts=container.get("message_ts") if in_place else None,
            item_ids=tuple(followup_blocks.item_ids(message.get("blocks") or []))
            if in_place
            else (),
            response_url=body.get("response_url"),
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Origin:
        try:
            fields = json.loads(text)
            return cls(**{**fields, "item_ids": tuple(fields["item_ids"])})
        except (ValueError, TypeError, KeyError):
            raise BadArguments("That form is out of date; open it again from the list.") from None


def redraw(origin: Origin, notice: str, deps: Deps, client: WebClient) -> None:
    """Show the list again as it stands now, with `notice` on top (a click in the App
    Home publishes the person's Home again)."""
    if origin.listing == followup_blocks.HOME:
        app_home.publish(deps, client, origin.team_id, origin.user_id, notice=notice)
        return
    today = _today(deps, client, origin.team_id, origin.user_id)
    with deps.sessions() as session:
        if origin.message_ts:
            rows = action_item_lists.same_items(session, origin.team_id, origin.item_ids)
            text, blocks = followup_blocks.refreshed(deps.templates, rows, today, notice)
        else:
            heading, rows = _listing(session, origin)
            text, blocks = item_page_blocks.paged_list(
                deps.templates,
                rows,
                today,
                heading=heading,
                listing=origin.listing,
                notice=notice,
                page=followup_blocks.page_of(rows, origin.item_id),
            )
    if origin.message_ts and origin.channel_id:
        limits.update(client, origin.channel_id, origin.message_ts, text, blocks)
    elif origin.response_url:
        _replace(Respond(response_url=origin.response_url), text, blocks)


def turn_page(
    deps: Deps, client: WebClient, actor: Actor, wanted: PageWanted, respond: Respond
) -> None:
    """A page button of `/postmortem actions [all]`: the list re-read as it stands now,
    at the page asked for, in place of the page clicked on."""
    today = _today(deps, client, actor.team_id, actor.user_id)
    with deps.sessions() as session:
        if wanted.listing == followup_blocks.ALL and wanted.postmortem_id is not None:
            heading, rows = action_item_lists.of_postmortem_here(
                session, actor.team_id, actor.channel_id, wanted.postmortem_id
            )
        else:
            heading, rows = action_item_lists.mine_listed(session, actor.team_id, actor.user_id)
        text, blocks = item_page_blocks.paged_list(
            deps.templates, rows, today, heading=heading, listing=wanted.listing, page=wanted.page
        )
    _replace(respond, text, blocks)


def _replace(respond: Respond, text: str, blocks: list[Any]) -> None:
    """An ephemeral list drawn again in place (its response URL), fitted to Slack's limits."""
    limits.reply(
        respond, text=text, blocks=blocks, response_type="ephemeral", replace_original=True
    )


def _today(deps: Deps, client: WebClient, team_id: str, user_id: str) -> date:
    now = deps.clock()
    tz = timezones.timezone_of(client, team_id, user_id, now=now, sessions=deps.sessions)
    return local_today(now, tz)


def _listing(session: Session, origin: Origin) -> tuple[str, list[ItemRow]]:
    """Re-read the list a button came from: the clicker's open items, or a post-mortem's."""
    if origin.listing != followup_blocks.ALL:
        return action_item_lists.mine_listed(session, origin.team_id, origin.user_id)
    row = action_item_lists.same_items(session, origin.team_id, [origin.item_id])
    postmortem_id = row[0][1].id if row else 0
    return action_item_lists.of_postmortem(session, origin.team_id, postmortem_id)
