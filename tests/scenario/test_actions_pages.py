"""`/postmortem actions all` a page at a time, by clicking (issue 14.6), through the real bot.

A 45-item post-mortem: the first page ends at AI-020 and carries "Next page"; clicking it
replaces the list with AI-021…AI-040 and both buttons, the next click shows the last five,
and "Previous page" goes back. A page button naming another channel's post-mortem, or
one the bot never wrote, shows nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import Driver
from bot.slack.item_page_blocks import PAGE
from storage.db import make_engine, make_sessionmaker
from tests.followup_seed import add_item, add_postmortem
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
ELSEWHERE = "C0ELSEWHERE"


@pytest.fixture
def seeded(sandbox: Sandbox, bot: BotProcess) -> Iterator[tuple[int, int]]:
    """45 items in the incident channel's post-mortem; one item in another channel's."""
    sandbox.slack.add_channel(ELSEWHERE, "inc-secret", members=(BOB,))
    engine = make_engine(bot.database_url)
    db = make_sessionmaker(engine)
    created = datetime.now(UTC) - timedelta(days=3)
    here = add_postmortem(
        db, channel_id=CHANNEL, lead=ALICE, title="Checkout 500s", created_at=created
    )
    there = add_postmortem(db, channel_id=ELSEWHERE, lead=BOB, title="Secret", created_at=created)
    for number in range(1, 46):
        add_item(db, here, number, ALICE if number % 2 else BOB, f"Step {number} of the fix")
    add_item(db, there, 1, BOB, "Rotate the leaked key")
    engine.dispose()
    yield here, there


def answer_after(sandbox: Sandbox, seen: int) -> dict[str, Any]:
    return sandbox.wait_for(lambda: sandbox.slack.responses[seen:], timeout=30)[0]["body"]


def page_buttons(answer: dict[str, Any]) -> dict[str, str]:
    return {
        element["text"]["text"]: element["value"]
        for block in answer.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == PAGE
    }


def click(
    sandbox: Sandbox, driver: Driver, user: str, value: str, channel: str = CHANNEL
) -> dict[str, Any]:
    seen = len(sandbox.slack.responses)
    assert driver.block_action(user, channel, PAGE, value).status_code == 200
    return answer_after(sandbox, seen)


def test_next_and_previous_page_reach_every_item_of_a_45_item_list(
    sandbox: Sandbox, driver: Driver, seeded: tuple[int, int]
) -> None:
    driver.slash_command(ALICE, CHANNEL, "actions all")
    first = answer_after(sandbox, 0)
    assert "*AI-020*" in str(first["blocks"]) and "*AI-021*" not in str(first["blocks"])
    assert list(page_buttons(first)) == ["Next page (2 of 3)"]

    second = click(sandbox, driver, ALICE, page_buttons(first)["Next page (2 of 3)"])
    assert second["replace_original"] is True and second["response_type"] == "ephemeral"
    assert "*AI-021*" in str(second["blocks"]) and "*AI-040*" in str(second["blocks"])
    assert "*AI-020*" not in str(second["blocks"])
    assert list(page_buttons(second)) == ["Previous page", "Next page (3 of 3)"]

    third = click(sandbox, driver, ALICE, page_buttons(second)["Next page (3 of 3)"])
    assert "*AI-045*" in str(third["blocks"]) and "*AI-040*" not in str(third["blocks"])
    assert list(page_buttons(third)) == ["Previous page"]

    back = click(sandbox, driver, ALICE, page_buttons(third)["Previous page"])
    assert "*AI-021*" in str(back["blocks"]) and "*AI-045*" not in str(back["blocks"])
    assert not sandbox.refusals()


def test_a_page_button_is_checked_against_the_channel_it_was_clicked_in(
    sandbox: Sandbox, driver: Driver, seeded: tuple[int, int]
) -> None:
    here, there = seeded
    forged = click(sandbox, driver, ALICE, f"all:1:{there}")
    assert "Rotate the leaked key" not in str(forged)
    assert "another channel's post-mortem" in forged["text"]

    nonsense = click(sandbox, driver, ALICE, "all:2:abc")
    assert "out of date" in nonsense["text"]
    # Bob, in the other post-mortem's own channel, may page it.
    own = click(sandbox, driver, BOB, f"all:1:{there}", channel=ELSEWHERE)
    assert "Rotate the leaked key" in str(own["blocks"]) and here != there
