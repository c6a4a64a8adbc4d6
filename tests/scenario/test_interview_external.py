"""An outside trigger, worded as no list has it, is asked how it hurt us (issue 14.5),
through the real `serve`; one of our own doing is asked why it happened."""

from __future__ import annotations

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from tests.scenario.test_interview import open_interview
from tests.scenario.test_interview_flow import _to_the_trigger

BOB = "U0BOB"


def test_a_payment_processor_rejecting_cards_is_asked_what_let_it_hurt_us(
    sandbox: Sandbox, driver: Driver
) -> None:
    thread = open_interview(sandbox, driver)
    _to_the_trigger(thread)

    trigger = thread.say(
        BOB,
        "Our payment processor started rejecting every card for twenty minutes",
        expect="why #1",
    )
    question = thread.wait_for_reply("why #1", after=trigger["ts"])["text"]

    assert "came from outside our system: why did that hurt us?" in question


def test_a_failover_we_did_ourselves_is_asked_why_it_happened(
    sandbox: Sandbox, driver: Driver
) -> None:
    thread = open_interview(sandbox, driver)
    _to_the_trigger(thread)

    trigger = thread.say(
        BOB, "We failed over the database by hand and the pool did not reconnect", expect="why #1"
    )
    question = thread.wait_for_reply("why #1", after=trigger["ts"])["text"]

    assert "why did that happen?" in question and "hurt us" not in question
