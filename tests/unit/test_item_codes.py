"""`AI-001`: one home for how an action item is named, written and read back."""

from __future__ import annotations

import pytest

from bot.core.action_items import item_code, split_code


@pytest.mark.parametrize(("number", "code"), [(1, "AI-001"), (42, "AI-042"), (1234, "AI-1234")])
def test_an_item_is_named_by_its_number_in_three_digits_at_least(number: int, code: str) -> None:
    assert item_code(number) == code
    assert split_code(code) == (number, "")


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("AI-002 <@U1> by Friday", (2, "<@U1> by Friday")),
        ("  ai-2: high", (2, "high")),
        ("AI-3, low\nand more", (3, "low\nand more")),
        ("add AI-002 to the dashboard", None),
        ("AI-12345 is not a code", None),
        ("AIR-002 by Friday", None),
    ],
)
def test_a_reply_starting_with_a_code_names_that_item(
    text: str, split: tuple[int, str] | None
) -> None:
    assert split_code(text) == split
