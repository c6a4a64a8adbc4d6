"""Two responders hold the post-mortem interview in its thread; the real bot asks, checks and files.

The bot is restarted halfway on the same database: the interview resumes from
what the database says, since the bot keeps no state of its own.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.action_items import item_code
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Answer, Factor, Interview, LanguageFinding
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"  # Europe/Berlin and America/New_York in the sandbox


class InterviewThread:
    """The post-mortem thread, seen from the responders' side."""

    def __init__(self, sandbox: Sandbox, driver: Driver, thread_ts: str) -> None:
        self.sb, self.driver, self.ts = sandbox, driver, thread_ts

    def bot_replies(self, after: str = "0") -> list[dict]:
        replies = self.sb.slack.replies(CHANNEL, self.ts)[1:]
        return [m for m in replies if m.get("bot_id") and float(m["ts"]) > float(after)]

    def wait_for_reply(self, containing: str, after: str = "0") -> dict:
        def found() -> list[dict]:
            return [m for m in self.bot_replies(after) if containing in m["text"]]

        return self.sb.wait_for(found)[-1]

    def say(self, user: str, text: str, *, expect: str) -> dict:
        """Reply in the thread and wait for the bot to answer with `expect`."""
        message, response = self.driver.user_posts(CHANNEL, user, text, thread_ts=self.ts)
        assert response.status_code == 200
        self.wait_for_reply(expect, after=message["ts"])
        return message

    def edit(self, message: dict, text: str, *, expect: str) -> None:
        assert self.driver.user_edits(CHANNEL, message["ts"], text).status_code == 200
        self.wait_for_reply(expect, after=message["ts"])

    def accepted(self, message: dict) -> bool:
        reactions = self.sb.slack.message(CHANNEL, message["ts"]).get("reactions", [])
        return any(r["name"] == "white_check_mark" for r in reactions)

    def ephemeral_for(self, user: str, containing: str) -> dict:
        def found() -> list[dict]:
            return [
                e for e in self.sb.slack.ephemerals if e["user"] == user and containing in e["text"]
            ]

        return self.sb.wait_for(found)[-1]


def driver_for(bot: BotProcess, sandbox: Sandbox, *, socket_mode: bool = False) -> Driver:
    return Driver(
        bot.url, bot.signing_secret, sandbox, bot.pagerduty_secret, socket_mode=socket_mode
    )


def today_in(zone: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()


def test_a_full_interview_with_a_restart_halfway(
    sandbox: Sandbox, database_url: str, slack_mode: str
) -> None:
    socket_mode = slack_mode == "socket"  # the restarted bot opens a new connection
    with running_bot(sandbox, database_url=database_url, socket_mode=socket_mode) as bot:
        if socket_mode:
            sandbox.socket_mode.wait_connected()
        thread = open_interview(sandbox, driver_for(bot, sandbox, socket_mode=socket_mode))
        answer_the_opening_questions(thread)
        dig_the_first_chain(thread)
        dig_a_second_chain_and_call_it_systemic(thread)
    with running_bot(sandbox, database_url=database_url, socket_mode=socket_mode) as bot:
        if socket_mode:
            sandbox.socket_mode.wait_connected(opened=2)
        # The same driver, so event ids stay unique across the restart as Slack's are.
        thread.driver.bot_url = bot.url
        resume_after_the_restart(thread)
        write_action_items(thread)
    engine = make_engine(database_url)
    try:
        check_what_was_filed(make_sessionmaker(engine))
    finally:
        engine.dispose()


def open_interview(sandbox: Sandbox, driver: Driver) -> InterviewThread:
    driver.slash_command(ALICE, CHANNEL, "start --severity P1 Checkout 500s")
    opening = sandbox.wait_for(
        lambda: [m for m in sandbox.slack.messages(CHANNEL) if m.get("bot_id")]
    )[0]
    thread = InterviewThread(sandbox, driver, opening["ts"])
    thread.wait_for_reply("*Summary.*")
    return thread


def answer_the_opening_questions(thread: InterviewThread) -> None:
    """Two answers arrive at once for the summary: both are kept, one per question."""
    answers = [
        (ALICE, "Checkout returned 500s for 40 minutes after a config deploy"),
        (BOB, "About 12% of checkouts failed, roughly 3,000 orders"),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        posted = list(
            pool.map(
                lambda a: thread.driver.user_posts(CHANNEL, a[0], a[1], thread_ts=thread.ts),
                answers,
            )
        )
    thread.wait_for_reply("*Detection.*")
    assert all(thread.accepted(message) for message, _ in posted)
    thread.say(ALICE, "A customer told support 25 minutes in; no alert fired", expect="*Trigger.*")
    thread.say(BOB, "A config change set the checkout connection pool to 5", expect="F1 · why #1")


def dig_the_first_chain(thread: InterviewThread) -> None:
    """Blame is pushed back and edited away; the chain must reach five levels before `branch`."""
    thread.say(ALICE, "The deploy pipeline does not validate pool sizes", expect="why #2")
    blaming = thread.say(BOB, "Because Alice forgot to run the config check", expect="why #3")
    pushback = thread.wait_for_reply("makes a person the subject", after=blaming["ts"])
    assert "“Alice forgot to”" in pushback["text"] and "what allowed" in pushback["text"]
    thread.edit(
        blaming,
        "The config check is a manual step the runbook does not require",
        expect="why #3",  # the edit changes the answer, not the question
    )
    thread.say(ALICE, "The runbook predates the pipeline", expect="why #4")
    thread.say(BOB, "Nobody is assigned to keep the runbook current", expect="why #5")
    thread.driver.user_posts(CHANNEL, BOB, "next", thread_ts=thread.ts)
    thread.ephemeral_for(BOB, "4 levels deep")
    thread.say(
        ALICE, "Runbook upkeep is not part of any team's planned work", expect="5 levels deep"
    )
    thread.say(BOB, "branch", expect="F2 · another contributing factor")
    factor = thread.wait_for_reply("*F1* is a contributing factor")
    assert "(my guess)" in factor["text"]


def dig_a_second_chain_and_call_it_systemic(thread: InterviewThread) -> None:
    thread.say(ALICE, "No alert fired when the pool was exhausted", expect="F2 · why #2")
    question = thread.say(BOB, "Pool saturation metrics were never exported", expect="why #3")
    asked = thread.wait_for_reply("F2 · why #3", after=question["ts"])
    click(thread, asked, "interview_systemic")
    thread.wait_for_reply("*F2* is a systemic issue", after=asked["ts"])
    thread.wait_for_reply("F3 · another contributing factor", after=asked["ts"])
    thread.say(ALICE, "next", expect="*What went well?*")


def resume_after_the_restart(thread: InterviewThread) -> None:
    """A new process knows where the interview stands, and `interview` asks again."""
    before = thread.bot_replies()[-1]["ts"]
    thread.driver.slash_command(BOB, CHANNEL, "interview")
    thread.wait_for_reply("*What went well?*", after=before)
    thread.say(ALICE, "Rolling back took 4 minutes once we knew", expect="*Lessons learned.*")
    thread.say(BOB, "Validate config values in the pipeline, not by hand", expect="*Action items.*")


def write_action_items(thread: InterviewThread) -> None:
    thread.say(
        ALICE,
        "<@U0BOB> add a connection-pool saturation alert to the checkout-api dashboard "
        "by next Friday, high (F2)",
        expect="*AI-001* recorded",
    )
    vague = thread.say(BOB, "improve monitoring", expect="I have not recorded this action item")
    assert not thread.accepted(vague)
    thread.edit(
        vague,
        "add a p99 latency alert at 500ms to the checkout-api dashboard | <@U0ALICE> | in 2 weeks | Medium",
        expect="*AI-002* recorded",
    )
    thread.say(
        ALICE,
        "write the pool-size limits into the checkout runbook",
        expect="Still missing: owner, deadline, priority",
    )
    thread.say(ALICE, "AI-003 <@U0ALICE> end of month, low", expect="*AI-003* updated")
    done = thread.say(BOB, "done", expect="*The interview is complete.*")
    publish_from_the_end_of_the_interview(thread, done)


def publish_from_the_end_of_the_interview(thread: InterviewThread, done: dict) -> None:
    complete = thread.wait_for_reply("*The interview is complete.*", after=done["ts"])
    click(thread, complete, "report_publish", by=ALICE)  # the lead publishes

    def summaries() -> list[dict]:
        channel = thread.sb.slack.messages(CHANNEL)
        return [m for m in channel if m.get("bot_id") and m["ts"] != thread.ts and m.get("blocks")]

    summary = thread.sb.wait_for(summaries)
    assert len(summary) == 1 and "Checkout 500s" in str(summary[0]["blocks"])


def check_what_was_filed(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        answers = session.scalars(select(Answer).order_by(Answer.id)).all()
        factors = {f.chain: f for f in session.scalars(select(Factor))}
        items = session.scalars(select(ActionItem).order_by(ActionItem.number)).all()
        found = {f.kind: f.status for f in session.scalars(select(LanguageFinding))}
        stage = session.scalars(select(Interview.stage)).one()
    by_question = {(a.question, a.chain, a.depth): a for a in answers}
    assert {
        by_question[("summary", None, None)].text,
        by_question[("impact", None, None)].text,
    } == {
        "Checkout returned 500s for 40 minutes after a config deploy",
        "About 12% of checkouts failed, roughly 3,000 orders",
    }
    assert by_question[("why", 1, 2)].text.startswith("The config check is a manual step")
    assert [(c, f.layer) for c, f in sorted(factors.items())] == [
        (0, "immediate"), (1, "contributing"), (2, "systemic"),
    ]  # fmt: skip
    assert factors[2].kind == "monitoring"
    assert found == {"blame": "resolved", "vague-action": "resolved"}
    assert stage == "done"
    check_items(items, factors)


def check_items(items: list[ActionItem], factors: dict[int, Factor]) -> None:
    berlin, new_york = today_in("Europe/Berlin"), today_in("America/New_York")
    next_friday = berlin + timedelta(days=7 - berlin.weekday() + 4)
    end_of_month = (berlin.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert [(item_code(i.number), i.owner_id, i.deadline, i.priority) for i in items] == [
        ("AI-001", BOB, next_friday, "High"),
        ("AI-002", ALICE, new_york + timedelta(days=14), "Medium"),
        ("AI-003", ALICE, end_of_month, "Low"),
    ]
    assert items[0].action == "add a connection-pool saturation alert to the checkout-api dashboard"
    assert items[0].factor_id == factors[2].id
    assert not any(item.vague_kept for item in items)


def test_keep_back_skip_a_kind_changed_and_the_action_item_modal(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    thread = open_interview(sandbox, driver)
    keep_a_blaming_summary_then_go_back_and_rewrite_it(thread, bot_db)
    close_a_chain_as_systemic_and_change_its_kind(thread)
    kept = thread.say(BOB, "be more careful", expect="I have not recorded this action item")
    thread.say(BOB, "keep", expect="kept as written and marked vague")
    assert not thread.accepted(kept)
    add_an_item_through_the_modal(thread)
    thread.say(ALICE, "done", expect="*The interview is complete.*")
    with bot_db() as session:
        items = session.scalars(select(ActionItem).order_by(ActionItem.number)).all()
        factor = session.scalars(select(Factor).where(Factor.chain == 1)).one()
        summaries = session.scalars(select(Answer.text).where(Answer.question == "summary")).all()
    assert [(item_code(i.number), i.vague_kept) for i in items] == [
        ("AI-001", True),
        ("AI-002", False),
    ]
    assert (factor.kind, factor.kind_chosen_by) == ("change management", ALICE)
    assert summaries[-1] == "A config deploy broke checkout for 40 minutes"


def keep_a_blaming_summary_then_go_back_and_rewrite_it(
    thread: InterviewThread, bot_db: sessionmaker[Session]
) -> None:
    blaming = thread.say(ALICE, "Bob was careless with the deploy", expect="*Impact.*")
    thread.wait_for_reply("judges a person", after=blaming["ts"])
    thread.driver.user_posts(CHANNEL, BOB, "keep", thread_ts=thread.ts)
    thread.sb.wait_for(lambda: _finding_statuses(bot_db) == ["kept"])
    thread.say(BOB, "back", expect="Currently: “Bob was careless with the deploy”")
    thread.say(BOB, "A config deploy broke checkout for 40 minutes", expect="*Impact.*")


def close_a_chain_as_systemic_and_change_its_kind(thread: InterviewThread) -> None:
    thread.say(ALICE, "skip", expect="*Detection.*")
    thread.say(ALICE, "skip", expect="*Trigger.*")
    thread.say(BOB, "The deploy set the pool size to 5", expect="F1 · why #1")
    thread.say(ALICE, "Nothing tested pool sizes before a deploy", expect="F1 · why #2")
    click(thread, thread.wait_for_reply("F1 · why #2"), "interview_systemic")
    factor = thread.wait_for_reply("*F1* is a systemic issue")
    kind = factor["blocks"][-1]["elements"][0]["initial_option"]["value"]
    assert kind.endswith(":testing"), "the bot's guess from the chain's answers"
    thread.driver.block_action(
        ALICE, CHANNEL, "factor_kind", kind.replace(":testing", ":change management"),
        message_ts=factor["ts"], thread_ts=thread.ts,
    )  # fmt: skip
    thread.sb.wait_for(
        lambda: "*change management*" in thread.sb.slack.message(CHANNEL, factor["ts"])["text"]
    )
    thread.say(BOB, "next", expect="*What went well?*")
    thread.say(BOB, "skip", expect="*Lessons learned.*")
    thread.say(BOB, "skip", expect="*Action items.*")


def add_an_item_through_the_modal(thread: InterviewThread) -> None:
    question = thread.wait_for_reply("*Action items.*")
    click(thread, question, "action_item_add")
    opened = thread.sb.wait_for(lambda: thread.sb.slack.views)[-1]["view"]
    values = modal_values("look into the pool", ALICE, today_in("UTC") + timedelta(days=7), "High")
    refused = thread.driver.view_submission(ALICE, opened, values)
    assert refused.json()["response_action"] == "errors"
    assert "action" in refused.json()["errors"]
    values["action"]["value"]["value"] = "add a pool-size range check to deploy.sh"
    thread.driver.view_submission(ALICE, opened, values)
    posted = thread.wait_for_reply("*AI-002* recorded", after=question["ts"])
    assert "<@U0ALICE>" in posted["text"] and "High" in posted["text"]


def click(thread: InterviewThread, message: dict, action_id: str, *, by: str = BOB) -> None:
    button = next(
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    )
    thread.driver.block_action(
        by, CHANNEL, action_id, button["value"], message_ts=message["ts"], thread_ts=thread.ts
    )


def modal_values(action: str, owner: str, deadline: date, priority: str) -> dict:
    return {
        "action": {"value": {"type": "plain_text_input", "value": action}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "deadline": {"value": {"type": "datepicker", "selected_date": deadline.isoformat()}},
        "priority": {"value": {"type": "static_select", "selected_option": {"value": priority}}},
    }


def _finding_statuses(bot_db: sessionmaker[Session]) -> list[str]:
    with bot_db() as session:
        return list(session.scalars(select(LanguageFinding.status)))
