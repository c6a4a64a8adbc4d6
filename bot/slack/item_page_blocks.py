"""`/postmortem actions [all]` a page at a time, with "Previous page" and "Next page".

The listing itself is `followup_blocks.item_list` (20 items a page, their buttons and a
"page 2 of 3" line); this puts the page buttons near its top, where fitting the message
to Slack's 50 blocks never cuts them. A button's value says which list and page, and for
`all` which post-mortem: ids the listener checks again against the click (the workspace,
the channel) before showing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core import ids
from bot.core.followup_views import ItemRow
from bot.errors import BadArguments
from bot.slack import controls, followup_blocks, limits
from bot.slack.blocks import Block
from bot.templates import Templates

PAGE = "action_items_page"
PAGER_BLOCK = "action-items-pages"
PAGED = (followup_blocks.MINE, followup_blocks.ALL)
OUT_OF_DATE = "That page button is out of date; run `/postmortem actions` for a fresh list."


@dataclass(frozen=True)
class PageWanted:
    """A page button's value read back: which list, which page, whose post-mortem (`all`)."""

    listing: str
    page: int
    postmortem_id: int | None


def paged_list(
    templates: Templates,
    rows: Sequence[ItemRow],
    today: date,
    *,
    heading: str,
    listing: str,
    notice: str | None = None,
    page: int = 1,
) -> limits.Message:
    """The listing's page with its page buttons, fitted to Slack's limits."""
    text, blocks = followup_blocks.item_list(
        templates, rows, today, heading=heading, listing=listing, notice=notice, page=page
    )
    pages = max(1, -(-len(rows) // followup_blocks.MAX_ITEMS))
    page = min(max(page, 1), pages)
    if pages == 1 or listing not in PAGED:
        return text, blocks
    owner = rows[0][1].id if listing == followup_blocks.ALL else None
    head = 2 if notice else 1
    return limits.within(text, [*blocks[:head], pager(listing, page, pages, owner), *blocks[head:]])


def pager(listing: str, page: int, pages: int, postmortem_id: int | None) -> Block:
    """ "Previous page" and/or "Next page" buttons for page `page` of `pages`."""
    buttons = []
    if page > 1:
        buttons.append(
            controls.button("Previous page", PAGE, _value(listing, page - 1, postmortem_id))
        )
    if page < pages:
        buttons.append(
            controls.button(
                f"Next page ({page + 1} of {pages})",
                PAGE,
                _value(listing, page + 1, postmortem_id),
                style="primary",
            )
        )
    return controls.actions(PAGER_BLOCK, *buttons)


def parse_page_value(value: object) -> PageWanted:
    """`"all:2:17"` / `"mine:3:0"` -> PageWanted; BadArguments for what the bot did not write."""
    parts = value.split(":") if isinstance(value, str) else []
    if len(parts) != 3 or parts[0] not in PAGED:
        raise BadArguments(OUT_OF_DATE)
    listing, page, owner = parts[0], ids.index(parts[1]), ids.row_id(parts[2])
    if page is None or page < 1 or (listing == followup_blocks.ALL) != (owner is not None):
        raise BadArguments(OUT_OF_DATE)
    return PageWanted(listing, page, owner)


def _value(listing: str, page: int, postmortem_id: int | None) -> str:
    return f"{listing}:{page}:{postmortem_id or 0}"
