"""Which factor an action item addresses is asked, never guessed (issue 14.2).

Through the real bot: with three factors (F0, the immediate cause, and two why-chains),
an item written without `(Fn)` gets a question under its notice, one button per factor
and "None of these"; the click links it (or leaves it unlinked on purpose) and redraws
the notice. The published report's Prevention lists only those links. With a single
factor, the bot links it and says so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from bot.slack.factor_choice_blocks import CHOOSE
from storage.models import ActionItem, Factor
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE, BOB
from tests.scenario.test_report import Thread, reports


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The factor buttons under an item's notice, by their text."""
    return {
        element["text"]["text"]: element
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == CHOOSE
    }


def press(thread: Thread, message: dict[str, Any], label: str, *, by: str = BOB) -> None:
    button = buttons(message)[label]
    response = thread.driver.block_action(
        by, CHANNEL, CHOOSE, button["value"], message_ts=message["ts"], thread_ts=thread.ts
    )
    assert response.status_code == 200


def redrawn(thread: Thread, message: dict[str, Any]) -> dict[str, Any]:
    """The notice once the click was handled: edited in place, the question gone."""

    def found() -> list[dict[str, Any]]:
        current = [
            m for m in thread.sb.slack.replies(CHANNEL, thread.ts) if m["ts"] == message["ts"]
        ]
        return [m for m in current if not buttons(m)]

    return thread.sb.wait_for(found)[0]


def open_thread(sandbox: Sandbox, driver: Driver) -> Thread:
    driver.slash_command(ALICE, CHANNEL, "start --severity P2 Checkout 500s")
    opening = sandbox.wait_for(
        lambda: [m for m in sandbox.slack.messages(CHANNEL) if m.get("bot_id")]
    )
    thread = Thread(sandbox, driver, opening[0]["ts"])
    thread.wait_for("*Summary.*")
    thread.say(ALICE, "Checkout returned 500s after a config deploy", expect="*Impact.*")
    thread.say(BOB, "About 12% of checkouts failed", expect="*Detection.*")
    thread.say(ALICE, "skip", expect="*Trigger.*")
    return thread


def to_the_action_items(thread: Thread) -> None:
    thread.say(ALICE, "next", expect="*What went well?*")
    thread.say(BOB, "Rolling back took 4 minutes", expect="*Lessons learned.*")
    thread.say(ALICE, "Validate config values in the pipeline", expect="*Action items.*")


def test_an_item_without_a_factor_is_asked_about_and_prevention_lists_only_the_links_made(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    thread = open_thread(sandbox, driver)
    thread.say(BOB, "A config change set the checkout pool to 5", expect="F1 · why #1")
    asked = thread.say(ALICE, "The pipeline does not validate pool sizes", expect="F1 · why #2")
    thread.click(asked, "interview_systemic")
    thread.wait_for("F2 · another contributing factor", after=asked["ts"])
    asked = thread.say(BOB, "No alert fired on pool saturation", expect="F2 · why #2")
    thread.click(asked, "interview_systemic")
    thread.wait_for("F3 · another contributing factor", after=asked["ts"])
    to_the_action_items(thread)

    named = thread.say(
        ALICE,
        "<@U0BOB> add a pool-size range check to deploy.sh by Friday, high (F1)",
        expect="*AI-001* recorded",
    )
    assert buttons(named) == {}, "an item that names its factor is not asked about"
    assert "addresses F1" in named["text"]

    notice = thread.say(
        ALICE,
        "<@U0BOB> add a pool saturation alert to the checkout dashboard by Friday, high",
        expect="*AI-002* recorded",
    )
    assert "addresses no factor yet" in notice["text"]
    assert list(buttons(notice)) == [
        "F0 — immediate cause",
        "F1: The pipeline does not validate pool sizes",
        "F2: No alert fired on pool saturation",
        "None of these",
    ]
    assert "Which factor does AI-002 address?" in str(notice["blocks"])
    press(thread, notice, "F2: No alert fired on pool saturation")
    assert "addresses F2 (monitoring)" in redrawn(thread, notice)["text"]

    other = thread.say(
        BOB,
        "<@U0ALICE> schedule a config-review training by end of month, low",
        expect="*AI-003* recorded",
    )
    press(thread, other, "None of these", by=ALICE)
    assert "addresses none of the factors (as answered)" in redrawn(thread, other)["text"]

    with bot_db() as session:
        chains = {f.id: f.chain for f in session.scalars(select(Factor))}
        items = session.scalars(select(ActionItem).order_by(ActionItem.number)).all()
    assert [chains.get(i.factor_id) if i.factor_id else None for i in items] == [1, 2, None]

    thread.say(BOB, "done", expect="*The interview is complete.*")
    driver.slash_command(ALICE, CHANNEL, "publish")
    [document] = sandbox.wait_for(lambda: reports(sandbox))
    prevention = document["content"].decode().split("## Prevention", 1)[1].split("## Data gaps")[0]
    assert (
        "- **F0 — immediate cause:** A config change set the checkout pool to 5 → _no action item addresses it yet_"
        in prevention
    )
    assert "→ AI-001" in prevention.split("**F1 (systemic")[1].splitlines()[0]
    assert "→ AI-002" in prevention.split("**F2 (systemic")[1].splitlines()[0]
    assert "- **Not tied to a factor:** AI-003" in prevention


def test_a_click_from_another_workspace_or_an_unreadable_value_changes_nothing(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    thread = open_thread(sandbox, driver)
    thread.say(BOB, "A config change set the checkout pool to 5", expect="F1 · why #1")
    asked = thread.say(ALICE, "The pipeline does not validate pool sizes", expect="F1 · why #2")
    thread.click(asked, "interview_systemic")
    thread.wait_for("F2 · another contributing factor", after=asked["ts"])
    to_the_action_items(thread)
    notice = thread.say(
        ALICE,
        "<@U0BOB> add a pool-size range check to deploy.sh by Friday, high",
        expect="*AI-001* recorded",
    )
    value = buttons(notice)["F1: The pipeline does not validate pool sizes"]["value"]
    item_id = value.split(":")[0]
    for forged in (f"{item_id}:x1", "0:1", f"{item_id}:99"):
        driver.block_action(
            BOB, CHANNEL, CHOOSE, forged, message_ts=notice["ts"], thread_ts=thread.ts
        )
    sandbox.wait_for(
        lambda: [r for r in sandbox.slack.responses if "no F99" in (r["body"].get("text") or "")]
    )
    with bot_db() as session:
        assert session.scalars(select(ActionItem.factor_id)).one() is None


def test_with_a_single_factor_the_bot_links_it_and_says_so(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    thread = open_thread(sandbox, driver)
    thread.say(BOB, "skip", expect="F1 · why #1")
    asked = thread.say(ALICE, "The pipeline does not validate pool sizes", expect="F1 · why #2")
    thread.click(asked, "interview_systemic")
    thread.wait_for("F2 · another contributing factor", after=asked["ts"])
    to_the_action_items(thread)

    notice = thread.say(
        ALICE,
        "<@U0BOB> add a pool-size range check to deploy.sh by Friday, high",
        expect="*AI-001* recorded",
    )
    assert buttons(notice) == {}
    assert (
        "addresses F1 (" in notice["text"]
        and "the only factor so far, so I linked it" in notice["text"]
    )
    with bot_db() as session:
        factor = session.scalars(select(Factor)).one()
        assert session.scalars(select(ActionItem.factor_id)).one() == factor.id
