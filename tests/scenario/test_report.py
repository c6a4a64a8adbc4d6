"""The report end to end: the real bot publishes to the sandbox Slack and edits what it posted.

Scripted incident -> interview -> publish: the channel gets one summary message and
one Markdown file whose sections are all there, in the method's order; publishing
again edits that message. A seeded post-mortem covers the preview, the Publish
button and the announcements channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.report import SECTIONS
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.slack.report_blocks import HEADER_BLOCK
from storage.db import make_engine, make_sessionmaker
from storage.models import Postmortem, ReportRecord
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE, BOB, seed_postmortem

ANNOUNCE = "C0ANNOUNCE"


@pytest.fixture
def announcing_bot(sandbox: Sandbox, database_url: str, slack_mode: str) -> Iterator[BotProcess]:
    sandbox.slack.add_channel(ANNOUNCE, "incident-reports", members=(ALICE, BOB))
    # Bob is an admin: he publishes post-mortems Alice leads (README "Who may do what").
    env = {"REPORT_ANNOUNCE_CHANNEL": ANNOUNCE, "POSTMORTEM_ADMINS": BOB}
    socket_mode = slack_mode == "socket"
    with running_bot(
        sandbox, database_url=database_url, extra_env=env, socket_mode=socket_mode
    ) as bot:
        if socket_mode:
            sandbox.socket_mode.wait_connected()
        yield bot


@pytest.fixture
def signer(announcing_bot: BotProcess, sandbox: Sandbox, slack_mode: str) -> Iterator[Driver]:
    with Driver(
        announcing_bot.url,
        announcing_bot.signing_secret,
        sandbox,
        socket_mode=slack_mode == "socket",
    ) as driver:
        yield driver


@pytest.fixture
def db(announcing_bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(announcing_bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


# -- reading the sandbox -----------------------------------------------------------


def summaries(sandbox: Sandbox, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [
        m
        for m in sandbox.slack.messages(channel)
        if (m.get("blocks") or [{}])[0].get("block_id") == HEADER_BLOCK
    ]


def reports(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [f for f in sandbox.slack.files if f["filename"].startswith("postmortem-")]


def headings(markdown: bytes) -> list[str]:
    return [line[3:] for line in markdown.decode().splitlines() if line.startswith("## ")]


def response_to(sandbox: Sandbox, user: str, containing: str) -> str:
    def found() -> list[str]:
        texts = [
            r["body"].get("text") or "" for r in sandbox.slack.responses if r["user_id"] == user
        ]
        return [t for t in texts if containing in t]

    return sandbox.wait_for(found)[-1]


def _header(message: dict[str, Any]) -> str:
    blocks = message.get("blocks") or [{}]
    return ((blocks[0].get("text") or {}).get("text")) or ""


# -- the interview, played -----------------------------------------------------------


class Thread:
    def __init__(self, sandbox: Sandbox, driver: Driver, ts: str) -> None:
        self.sb, self.driver, self.ts = sandbox, driver, ts

    def wait_for(self, containing: str, after: str = "0") -> dict[str, Any]:
        def found() -> list[dict[str, Any]]:
            replies = self.sb.slack.replies(CHANNEL, self.ts)[1:]
            return [
                m
                for m in replies
                if m.get("bot_id") and float(m["ts"]) > float(after) and containing in m["text"]
            ]

        return self.sb.wait_for(found)[-1]

    def say(self, user: str, text: str, *, expect: str) -> dict[str, Any]:
        message, response = self.driver.user_posts(CHANNEL, user, text, thread_ts=self.ts)
        assert response.status_code == 200
        return self.wait_for(expect, after=message["ts"])

    def click(self, message: dict[str, Any], action_id: str) -> None:
        button = next(
            element
            for block in message["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == action_id
        )
        self.driver.block_action(
            BOB, CHANNEL, action_id, button["value"], message_ts=message["ts"], thread_ts=self.ts
        )


def utc_minute(ts: str) -> str:
    return datetime.fromtimestamp(float(ts), UTC).strftime("%H:%M")


def play_a_short_interview(sandbox: Sandbox, driver: Driver) -> None:
    """Two why-chains: F1 three levels deep (its second answer cites the rollback line of
    the timeline), F2 two levels deep; both called systemic."""
    rollback = sandbox.slack.post_as_user(CHANNEL, BOB, "Rolled back deploy 2024.06.1")
    driver.slash_command(ALICE, CHANNEL, "start --severity P1 Checkout 500s")
    opening = sandbox.wait_for(
        lambda: [m for m in sandbox.slack.messages(CHANNEL) if m.get("bot_id")]
    )
    thread = Thread(sandbox, driver, opening[0]["ts"])
    thread.wait_for("*Summary.*")
    thread.say(
        ALICE, "Checkout returned 500s for 40 minutes after a config deploy", expect="*Impact.*"
    )
    thread.say(BOB, "About 12% of checkouts failed, roughly 3,000 orders", expect="*Detection.*")
    thread.say(ALICE, "skip", expect="*Trigger.*")
    thread.say(BOB, "A config change set the checkout connection pool to 5", expect="F1 · why #1")
    thread.say(ALICE, "The deploy pipeline does not validate pool sizes", expect="F1 · why #2")
    cites = f"Config values have no schema and no owner, see {utc_minute(rollback['ts'])} UTC rolled back"
    asked = thread.say(BOB, cites, expect="F1 · why #3")
    thread.click(asked, "interview_systemic")
    thread.wait_for("F2 · another contributing factor", after=asked["ts"])
    thread.say(BOB, "No alert fired on pool saturation", expect="F2 · why #2")
    asked = thread.say(ALICE, "Pool metrics were never exported", expect="F2 · why #3")
    thread.click(asked, "interview_systemic")
    thread.wait_for("F3 · another contributing factor", after=asked["ts"])
    thread.say(ALICE, "next", expect="*What went well?*")
    thread.say(BOB, "Rolling back took 4 minutes once we knew", expect="*Lessons learned.*")
    thread.say(ALICE, "Validate config values in the pipeline", expect="*Action items.*")
    thread.say(
        ALICE,
        "<@U0BOB> add a pool-size range check to deploy.sh by next Friday, high (F1)",
        expect="*AI-001* recorded",
    )
    thread.say(BOB, "done", expect="*The interview is complete.*")


def test_publish_posts_one_summary_and_one_file_and_a_second_publish_edits_them(
    sandbox: Sandbox, signer: Driver, db: sessionmaker[Session], announcing_bot: BotProcess
) -> None:
    play_a_short_interview(sandbox, signer)

    signer.slash_command(ALICE, CHANNEL, "publish")
    said = response_to(sandbox, ALICE, "Published")
    [summary] = sandbox.wait_for(lambda: summaries(sandbox))
    [document] = sandbox.wait_for(lambda: reports(sandbox))

    assert headings(document["content"]) == list(SECTIONS)
    text = document["content"].decode()
    assert "Checkout returned 500s for 40 minutes" in text and "_Skipped in the interview._" in text
    assert "| AI-001 | add a pool-size range check to deploy.sh | Bob Diaz |" in text
    assert_each_chain_is_whole(text, summary)
    assert document["channels"] == [CHANNEL] and document["thread_ts"] is None
    assert "<@U0BOB>" in str(summary["blocks"]), "the owner is mentioned in the summary"
    assert "/postmortems/" in str(summary["blocks"])
    assert "Published <https://" in said
    page = httpx.get(
        announcing_bot.url + re.findall(r"/postmortems/[\w-]+", str(summary["blocks"]))[0]
    ).text
    assert '<h3 id="chain-1">F1 <span class="none">(systemic, ' in page
    assert "<strong>Why #2:</strong> Pool metrics were never exported" in page
    [row] = re.findall(r'<tr id="(event-\d+)">[^\n]*Rolled back deploy 2024.06.1', page)
    assert f'<a class="evidence" href="#{row}">(evidence: ' in page

    signer.slash_command(BOB, CHANNEL, "publish")
    assert "Updated" in response_to(sandbox, BOB, "Updated")
    assert [m["ts"] for m in summaries(sandbox)] == [summary["ts"]]
    assert "updated" in str(summaries(sandbox)[0]["blocks"])
    assert "by <@U0BOB>" in str(summaries(sandbox)[0]["blocks"])
    updated = [
        c
        for c in sandbox.slack.calls
        if c.method == "chat.update"
        and c.params["channel"] == CHANNEL
        # the timeline's progress message, edited in place once it read the rollback line
        and not c.params.get("text", "").startswith("Timeline gathered")
    ]
    assert [c.params["ts"] for c in updated] == [summary["ts"]]
    second = sandbox.wait_for(lambda: reports(sandbox)[1:])[0]
    assert second["thread_ts"] == summary["ts"], "the new file goes in the summary's thread"
    top_level_files = [m for m in sandbox.slack.messages(CHANNEL) if m.get("files")]
    assert len(top_level_files) == 1
    with db() as session:
        record = session.scalars(select(ReportRecord)).one()
        postmortem = session.scalars(select(Postmortem)).one()
    assert (record.publish_count, record.published_by, record.channel_ts) == (2, BOB, summary["ts"])
    assert postmortem.published_at is not None and postmortem.published_at < record.published_at


def assert_each_chain_is_whole(document: str, summary: dict[str, Any]) -> None:
    """Root Cause shows every level of every chain, with its layer and kind; the cited
    timeline line is linked to its row; Slack shows the chains compactly."""
    root_cause = document.split("## Root Cause", 1)[1].split("## Timeline", 1)[0]
    assert (
        "**F0 — immediate cause:** A config change set the checkout connection pool to 5"
        in root_cause
    )
    f1 = root_cause.split("### F1 (systemic, ", 1)[1].split("### F2", 1)[0]
    assert "2 levels deep)" in f1.splitlines()[0]
    assert "1. **Why #1:** The deploy pipeline does not validate pool sizes" in f1
    assert "2. **Why #2:** Config values have no schema and no owner, see " in f1
    [anchor] = re.findall(r"\[evidence: \d\d:\d\d rolled back\]\(#(event-\d+)\)", f1)
    [row] = [line for line in document.splitlines() if f'<a id="{anchor}"></a>' in line]
    assert "Rolled back deploy 2024.06.1" in row
    f2 = root_cause.split("### F2 (systemic, ", 1)[1]
    assert "1. **Why #1:** No alert fired on pool saturation" in f2
    assert "2. **Why #2:** Pool metrics were never exported" in f2
    wire = str(summary["blocks"])
    assert "F0 — immediate cause: A config change set the checkout connection pool to 5" in wire
    assert "The deploy pipeline does not validate pool sizes → Config values have no schema" in wire
    assert "No alert fired on pool saturation → Pool metrics were never exported" in wire


def test_preview_button_and_announcements_for_a_seeded_post_mortem(
    sandbox: Sandbox, signer: Driver, db: sessionmaker[Session]
) -> None:
    root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
    seed_postmortem(db, CHANNEL, root["ts"])

    signer.slash_command(ALICE, CHANNEL, "report")
    preview = sandbox.wait_for(
        lambda: [r for r in sandbox.slack.responses if r["body"].get("blocks")]
    )
    blocks = preview[-1]["body"]["blocks"]
    assert preview[-1]["body"]["response_type"] == "ephemeral"
    assert blocks[0]["text"]["text"] == "Preview · Post-mortem: Checkout 500s (2026-11-24)"
    wire = str(blocks)
    assert "<!channel>" not in wire and "&lt;script&gt;" in wire and ":x:" in wire
    assert summaries(sandbox) == [], "a preview publishes nothing"

    signer.slash_command(BOB, CHANNEL, "report here")
    in_thread = sandbox.wait_for(
        lambda: [
            m
            for m in sandbox.slack.replies(CHANNEL, root["ts"])
            if _header(m).startswith("Preview")
        ]
    )
    preview_file = sandbox.wait_for(
        lambda: [f for f in sandbox.slack.files if f["thread_ts"] == root["ts"]]
    )
    assert headings(preview_file[0]["content"]) == list(SECTIONS)

    button = in_thread[0]["blocks"][-1]["elements"][0]
    signer.block_action(
        BOB,
        CHANNEL,
        button["action_id"],
        button["value"],
        message_ts=in_thread[0]["ts"],
        thread_ts=root["ts"],
    )
    [summary] = sandbox.wait_for(lambda: summaries(sandbox))
    [announced] = sandbox.wait_for(lambda: summaries(sandbox, ANNOUNCE))
    response_to(sandbox, BOB, "Published")  # the click's publish is recorded, not just posted
    assert "published by <@U0BOB>" in str(summary["blocks"])
    assert re.search(
        r"\\# Checkout \\\| returned 500s \\<script\\>", reports(sandbox)[0]["content"].decode()
    )

    signer.slash_command(ALICE, CHANNEL, "publish")
    response_to(sandbox, ALICE, "Updated")
    assert [m["ts"] for m in summaries(sandbox, ANNOUNCE)] == [announced["ts"]]
    edited = {
        (c.params["channel"], c.params["ts"])
        for c in sandbox.slack.calls
        if c.method == "chat.update"
    }
    assert edited == {(CHANNEL, summary["ts"]), (ANNOUNCE, announced["ts"])}
    with db() as session:
        assert session.scalars(select(ReportRecord.announce_ts)).one() == announced["ts"]


def test_publishing_without_a_post_mortem_says_how_to_start_one(
    sandbox: Sandbox, signer: Driver
) -> None:
    signer.slash_command(ALICE, CHANNEL, "publish")
    assert "/postmortem start" in response_to(sandbox, ALICE, "no post-mortem")
    assert summaries(sandbox) == []
