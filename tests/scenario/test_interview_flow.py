"""The interview's flow through the real `serve`: a blaming answer is held until edited,
the edit is acknowledged and quoted onward, an outside trigger is asked how it hurt us."""

from __future__ import annotations

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.test_interview import InterviewThread, open_interview

ALICE, BOB = "U0ALICE", "U0BOB"


def _to_the_trigger(thread: InterviewThread) -> None:
    thread.say(ALICE, "Checkout returned 500s for 40 minutes", expect="*Impact.*")
    thread.say(BOB, "About 12% of checkouts failed", expect="*Detection.*")
    thread.say(ALICE, "A customer told support 25 minutes in", expect="*Trigger.*")


def test_an_outside_trigger_is_asked_what_in_our_system_let_it_hurt_us(
    sandbox: Sandbox, driver: Driver
) -> None:
    thread = open_interview(sandbox, driver)
    _to_the_trigger(thread)

    trigger = thread.say(
        BOB, "AWS failed over our RDS primary to another availability zone", expect="why #1"
    )
    question = thread.wait_for_reply("why #1", after=trigger["ts"])["text"]

    assert "why did that hurt us?" in question and "why did that happen" not in question


def test_a_blaming_answer_is_held_until_an_edit_resolves_it_then_quoted_as_edited(
    sandbox: Sandbox, driver: Driver
) -> None:
    thread = open_interview(sandbox, driver)
    _to_the_trigger(thread)
    thread.say(BOB, "A config change set the checkout connection pool to 5", expect="why #1")

    blaming = thread.say(
        ALICE, "Dave forgot to update the connection string after the failover", expect="why #2"
    )
    asked = thread.wait_for_reply("why #2", after=blaming["ts"])["text"]
    assert not thread.accepted(blaming), "held: no ✅ yet"
    assert "Dave" not in asked and "held until it is edited or kept" in asked

    thread.edit(
        blaming,
        "The connection string was hard-coded in the service config, with no check after a failover",
        expect="reads without blame now",
    )
    sandbox.wait_for(lambda: thread.accepted(blaming))
    again = thread.wait_for_reply("“The connection string was hard-coded", after=blaming["ts"])
    assert "why #2" in again["text"] and "Dave" not in again["text"]


def test_timeline_progress_is_one_message_above_the_questions_edited_in_place(
    sandbox: Sandbox, driver: Driver
) -> None:
    for n in range(30):
        sandbox.slack.post_as_user(CHANNEL, BOB if n % 2 else ALICE, f"checking the pool, step {n}")
    thread = open_interview(sandbox, driver)
    sandbox.wait_for(lambda: any("Timeline gathered" in m["text"] for m in thread.bot_replies()))
    thread.say(ALICE, "Checkout returned 500s for 40 minutes", expect="*Impact.*")

    replies = thread.bot_replies()
    progress = [m for m in replies if "Timeline gathered" in m["text"] or "history" in m["text"]]
    assert len(progress) == 1, "one progress message, edited in place"
    assert replies[0] is progress[0] or replies[0]["ts"] == progress[0]["ts"]
    assert "*Summary.*" in replies[1]["text"] and "*Impact.*" in replies[2]["text"]
    assert "edited" in sandbox.slack.message(CHANNEL, progress[0]["ts"])


def test_a_held_answer_kept_as_written_is_accepted_and_quoted_onward(
    sandbox: Sandbox, driver: Driver
) -> None:
    thread = open_interview(sandbox, driver)
    _to_the_trigger(thread)
    thread.say(BOB, "A config change set the checkout connection pool to 5", expect="why #1")
    blaming = thread.say(ALICE, "Dave forgot to update the pool size", expect="why #2")
    assert not thread.accepted(blaming)

    kept = thread.say(ALICE, "keep", expect="“Dave forgot to update the pool size”")

    sandbox.wait_for(lambda: thread.accepted(blaming))
    assert "why #2" in thread.wait_for_reply("“Dave forgot", after=kept["ts"])["text"]
