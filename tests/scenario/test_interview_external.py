"""An outside trigger, worded as no list has it, is asked how it hurt us (issue 14.5),
through the real `serve`; one of our own doing is asked why it happened."""

from __future__ import annotations

import pytest

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from tests.scenario.test_interview import open_interview
from tests.scenario.test_interview_flow import _to_the_trigger

BOB = "U0BOB"
HURT_US = "came from outside our system: why did that hurt us?"
WHY = "why did that happen?"


@pytest.mark.parametrize(
    ("trigger", "asked", "not_asked"),
    [
        ("Our payment processor started rejecting every card for twenty minutes", HURT_US, WHY),
        ("We failed over the database by hand and the pool did not reconnect", WHY, "hurt us"),
    ],
    ids=["a-payment-processor-rejecting-cards", "a-failover-we-did-ourselves"],
)
def test_the_first_why_asks_how_an_outside_event_hurt_us_and_why_ours_happened(
    sandbox: Sandbox, driver: Driver, trigger: str, asked: str, not_asked: str
) -> None:
    thread = open_interview(sandbox, driver)
    _to_the_trigger(thread)

    said = thread.say(BOB, trigger, expect="why #1")
    question = thread.wait_for_reply("why #1", after=said["ts"])["text"]

    assert asked in question and not_asked not in question
