"""A long `/postmortem actions all` list, a page at a time: the page buttons sit near the
top where fitting never cuts them, read back strictly, and a redraw with a long notice
(a tracker's refusal, a line of ticket links) stays within Slack's limits."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.followup_views import ItemRow, ItemView, PostmortemView
from bot.errors import BadArguments
from bot.sandbox.block_limits import message_problems
from bot.slack import followup_blocks
from bot.slack.item_page_blocks import PAGE, PageWanted, paged_list, parse_page_value
from bot.templates import Templates

TODAY = date(2026, 12, 1)
POSTMORTEM = PostmortemView(7, "Checkout 500s", "C0INC", None, "U0LEAD", None, None, None)


def rows(count: int, action: str = "Add the pool alert") -> list[ItemRow]:
    return [
        (
            ItemView(n, f"AI-{n:03d}", action, "open", "U0OWNER", None, "High", None, None),
            POSTMORTEM,
        )
        for n in range(1, count + 1)
    ]


def buttons(blocks: list[dict]) -> dict[str, str]:
    return {
        e["text"]["text"]: e["value"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == PAGE
    }


def listed(page: int, count: int = 45, **options: object) -> list[dict]:
    _, blocks = paged_list(
        Templates(), rows(count), TODAY, heading="Action items", listing="all", page=page, **options
    )
    return blocks


def test_the_middle_page_has_both_buttons_and_they_name_their_post_mortem() -> None:
    found = buttons(listed(2))

    assert found == {"Previous page": "all:1:7", "Next page (3 of 3)": "all:3:7"}
    assert parse_page_value(found["Next page (3 of 3)"]) == PageWanted("all", 3, 7)


def test_a_short_list_has_no_page_buttons() -> None:
    assert buttons(listed(1, count=12)) == {}


def test_the_buttons_survive_a_page_of_items_too_long_for_one_message() -> None:
    _, blocks = paged_list(
        Templates(), rows(45, "x " * 1_400), TODAY, heading="Items", listing="all", page=1
    )

    assert "Next page (2 of 3)" in buttons(blocks)
    assert message_problems("Items", blocks) is None


def test_a_redraw_with_a_very_long_notice_is_fitted() -> None:
    notice = "Tickets: " + ", ".join(
        f"<https://github.com/o/r/issues/{n}|AI-{n:03d} → #{n}>" for n in range(400)
    )
    blocks = listed(3, notice=notice)

    assert message_problems("Items", blocks) is None
    assert "Previous page" in buttons(blocks)


@pytest.mark.parametrize(
    "value", ["all:2", "all:2:0", "mine:2:7", "digest:2:0", "all:0:7", "all:x:7", "all:2:٧", None]
)
def test_a_page_value_the_bot_did_not_write_is_refused(value: object) -> None:
    with pytest.raises(BadArguments, match="out of date"):
        parse_page_value(value)


def test_mine_pages_carry_no_post_mortem() -> None:
    _, blocks = paged_list(
        Templates(), rows(25), TODAY, heading="Yours", listing=followup_blocks.MINE, page=1
    )
    assert buttons(blocks) == {"Next page (2 of 2)": "mine:2:0"}
