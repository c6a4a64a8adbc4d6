"""Slack's size limits, through the real `serve`: long answers and items, a 40-item review.

The sandbox refuses every payload over Slack's documented limits as Slack does
(`bot.sandbox.block_limits`) and the scenario fixture's teardown fails a test in
which the bot sent one, so each test here also proves every message it caused fits.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.report_text import as_typed
from bot.core.slack_text import escape
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Answer
from tests.followup_seed import add_item, add_postmortem, dms, remind
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.test_interview import InterviewThread, open_interview

ALICE, BOB = "U0ALICE", "U0BOB"


def _words(seed: str, length: int) -> str:
    """Plausible prose of exactly `length` characters as Slack sends it (`&amp;`, `&lt;`)."""
    sentence = f"{seed} the pool &amp; its &lt;limits&gt; were set per pod, not per node. "
    text = (sentence * (length // len(sentence) + 1))[:length]
    return text[:-1] + "."


def _texts(message: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in message.get("blocks", []) if b.get("type") == "section"]


def _to_actions(thread: InterviewThread) -> None:
    for expect in ("*Detection.*", "*Trigger.*", "why #1", "another contributing factor"):
        thread.say(BOB, "skip", expect=expect)
    thread.say(BOB, "next", expect="*What went well?*")
    thread.say(BOB, "skip", expect="*Lessons learned.*")
    thread.say(BOB, "skip", expect="*Action items.*")


def test_a_3500_character_answer_and_a_3000_character_item_are_announced_whole(
    sandbox: Sandbox, driver: Driver, bot: BotProcess
) -> None:
    thread = open_interview(sandbox, driver)
    summary = thread.say(ALICE, _words("Checkout failed:", 3_500), expect="*Impact.*")
    assert thread.accepted(summary)
    _to_actions(thread)

    action = (
        "<@U0BOB> add a pool-saturation alert to the checkout-api dashboard by next Friday, high. "
    )
    action += _words("Why:", 3_000 - len(action))
    assert len(action) == 3_000
    posted = thread.say(ALICE, action, expect="*AI-001* recorded")
    notice = thread.wait_for_reply("*AI-001* recorded", after=posted["ts"])

    head, *rest = _texts(notice)
    assert "…" in head, "the notice quotes the action shortened"
    assert "Owner <@U0BOB>" in head and "priority High" in head
    whole = "".join(rest)
    engine = make_engine(bot.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            kept = session.scalars(select(Answer).where(Answer.question == "summary")).one()
            item = session.scalars(select(ActionItem)).one()
            assert len(kept.text) == 3_500 and item.action.startswith("add a pool-saturation")
            assert whole == escape(as_typed(item.action)), "the action follows whole, escaped once"
    finally:
        engine.dispose()


def test_a_long_vague_item_is_pushed_back_on_and_kept_as_written_within_the_limits(
    sandbox: Sandbox, driver: Driver
) -> None:
    thread = open_interview(sandbox, driver)
    thread.say(ALICE, "Checkout returned 500s for 40 minutes", expect="*Impact.*")
    _to_actions(thread)

    vague = (
        "improve monitoring and look into the pool sizing. " * 60 + "| <@U0BOB> | in 2 weeks | High"
    )
    asked = thread.say(BOB, vague, expect="I have not recorded this action item")
    assert not thread.accepted(asked)
    kept = thread.say(BOB, "keep", expect="kept as written and marked vague")
    notice = thread.wait_for_reply("kept as written", after=kept["ts"])

    head, *rest = _texts(notice)
    assert "*AI-001* recorded, kept as written and marked vague" in head
    assert "".join(rest).endswith("look into the pool sizing.")


START = datetime.now(UTC).date() - timedelta(days=datetime.now(UTC).weekday())
MONDAY = datetime.combine(START, time(), tzinfo=UTC)


def test_a_40_item_postmortem_review_digest_and_every_page_of_actions_all_fit(
    sandbox: Sandbox, driver: Driver, bot: BotProcess
) -> None:
    engine = make_engine(bot.database_url)
    db = make_sessionmaker(engine)
    opening = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem: checkout 500s")
    published = MONDAY - timedelta(weeks=4)
    postmortem = add_postmortem(
        db,
        channel_id=CHANNEL,
        lead=ALICE,
        title="Checkout 500s " + "and a long title " * 20,
        thread_ts=opening["ts"],
        created_at=published - timedelta(days=1),
        published_at=published,
    )
    for number in range(1, 41):
        owner = ALICE if number % 2 else BOB
        add_item(db, postmortem, number, owner, _words(f"Item {number}:", 2_900))
    engine.dispose()

    remind(sandbox, bot.database_url, MONDAY + timedelta(hours=8, minutes=30))  # review, digests
    reviews = [m for m in sandbox.slack.messages(CHANNEL) if m["text"].startswith("Follow-up")]
    assert len(reviews) == 1 and len(reviews[0]["blocks"]) <= 50
    assert "0 of 40 action items done" in "\n".join(_texts(reviews[0]))
    (digest,) = dms(sandbox, ALICE)
    assert "*AI-039*" in "\n".join(_texts(digest)) or "more" in str(digest["blocks"])

    seen: list[str] = []
    for command in ("actions all", "actions all page 2"):
        before = len(sandbox.slack.responses)
        assert driver.slash_command(ALICE, CHANNEL, command).status_code == 200
        answer = sandbox.wait_for(lambda b=before: sandbox.slack.responses[b:], timeout=30)[0][
            "body"
        ]
        seen.append(str(answer["blocks"]))
    assert "*AI-020*" in seen[0] and "*AI-021*" not in seen[0]
    assert "actions all page 2" in seen[0]
    assert "*AI-021*" in seen[1] and "*AI-040*" in seen[1]
    assert not sandbox.refusals()


@pytest.mark.slack_refusals
def test_an_item_slack_refuses_anyway_is_saved_marked_and_its_author_told(
    sandbox: Sandbox, driver: Driver, bot: BotProcess
) -> None:
    thread = open_interview(sandbox, driver)
    thread.say(ALICE, "Checkout returned 500s for 40 minutes", expect="*Impact.*")
    _to_actions(thread)
    sandbox.slack.refuse_containing = "* recorded"  # a limit the bot does not know of

    thread.driver.user_posts(
        CHANNEL,
        ALICE,
        "<@U0BOB> add a pool-saturation alert to the checkout-api dashboard by next Friday, high",
        thread_ts=thread.ts,
    )
    told = thread.ephemeral_for(ALICE, "AI-001 is saved, but Slack refused")
    assert "`invalid_blocks`" in told["text"] and "/postmortem interview" in told["text"]
    engine = make_engine(bot.database_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            assert session.scalars(select(ActionItem.not_announced)).one() == "invalid_blocks"
        assert [r["method"] for r in sandbox.refusals()] == ["chat.postMessage"]

        sandbox.slack.refuse_containing = None
        driver.slash_command(ALICE, CHANNEL, "interview")
        thread.wait_for_reply("*AI-001* recorded")

        def announced() -> bool:
            with sessions() as session:
                return session.scalars(select(ActionItem.not_announced)).one() is None

        sandbox.wait_for(announced)
    finally:
        engine.dispose()
