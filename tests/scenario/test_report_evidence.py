"""A factor cites a timeline line on its own, through the real bot (issue 14.1).

After the interview, Alice (in Berlin) replies `F2: see <her 15:xx> rolled back` in the
thread: the bot finds the rollback line at that minute of her clock, says in the
thread that it is attached, and the published report links F2 to its timeline row (the
file's anchor, the summary's compact note). A citation whose words no line near that
time holds attaches nothing and shows her the candidates, privately.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from storage.models import Answer
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE
from tests.scenario.test_report import Thread, play_a_short_interview, reports, summaries

BERLIN = ZoneInfo("Europe/Berlin")  # Alice's Slack time zone in the sandbox


def berlin_minute(ts: str) -> str:
    return datetime.fromtimestamp(float(ts), BERLIN).strftime("%H:%M")


def ephemeral_to(sandbox: Sandbox, user: str, containing: str) -> dict[str, Any]:
    def found() -> list[dict[str, Any]]:
        return [
            e for e in sandbox.slack.ephemerals if e["user"] == user and containing in e["text"]
        ]

    return sandbox.wait_for(found)[-1]


def test_a_reply_citing_a_line_for_a_factor_is_linked_from_the_report(
    sandbox: Sandbox, driver: Driver
) -> None:
    play_a_short_interview(sandbox, driver)
    opening = next(m for m in sandbox.slack.messages(CHANNEL) if m.get("bot_id"))
    thread = Thread(sandbox, driver, opening["ts"])
    rollback = next(
        m
        for m in sandbox.slack.messages(CHANNEL)
        if m.get("text") == "Rolled back deploy 2024.06.1"
    )

    said = thread.say(
        ALICE,
        f"F2: see {berlin_minute(rollback['ts'])} rolled back",
        expect="as evidence",
    )
    assert "*F2*" in said["text"] and "Rolled back deploy 2024.06.1" in said["text"]
    driver.user_posts(CHANNEL, ALICE, "F1: see 03:00 failover", thread_ts=opening["ts"])
    told = ephemeral_to(sandbox, ALICE, "could not tell which timeline line")
    assert "nothing was attached to F1" in told["text"]
    assert "Rolled back deploy 2024.06.1" in told["text"], "the nearest lines are offered"

    driver.slash_command(ALICE, CHANNEL, "publish")
    [document] = sandbox.wait_for(lambda: reports(sandbox))
    text = document["content"].decode()
    [anchor] = re.findall(
        r"Evidence for F2: \(\[evidence: \d\d:\d\d rolled back\]\(#(event-\d+)\)\)", text
    )
    [row] = [line for line in text.splitlines() if f'<a id="{anchor}"></a>' in line]
    assert "Rolled back deploy 2024.06.1" in row
    assert "Evidence for F1" not in text, "the unclear citation attached nothing"
    [summary] = sandbox.wait_for(lambda: summaries(sandbox))
    assert re.search(r"\(evidence: \d\d:\d\d rolled back\)", str(summary["blocks"]))


def test_a_why_answer_citing_its_authors_local_time_links_the_line_in_the_report(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    """Alice (Berlin) edits her F2 why #2 to cite the rollback at her own 15:xx: the bot
    stored her zone when she answered, so the report, which asks Slack nothing while it
    renders, reads her time on her clock and links the UTC line, saying whose clock it
    was; Bob's F1 citation, copied from the bot's UTC timeline, says UTC and links too."""
    play_a_short_interview(sandbox, driver)
    rollback = next(
        m
        for m in sandbox.slack.messages(CHANNEL)
        if m.get("text") == "Rolled back deploy 2024.06.1"
    )
    opening = next(m for m in sandbox.slack.messages(CHANNEL) if m.get("bot_id"))
    answer = next(
        m
        for m in sandbox.slack.replies(CHANNEL, opening["ts"])
        if m.get("text") == "Pool metrics were never exported"
    )
    local = berlin_minute(rollback["ts"])
    edited = f"Pool metrics were never exported, see {local} rolled back"
    driver.user_edits(CHANNEL, answer["ts"], edited)
    sandbox.poll(lambda: answer_text(bot_db, answer["ts"]) == edited)

    driver.slash_command(ALICE, CHANNEL, "publish")
    [document] = sandbox.wait_for(lambda: reports(sandbox))
    text = document["content"].decode()
    f2 = text.split("### F2 (systemic, ", 1)[1].split("## Timeline", 1)[0]
    [anchor] = re.findall(
        rf"\[evidence: {local} rolled back\]\(#(event-\d+)\)\) _\({local} Europe/Berlin time\)_",
        f2,
    )
    [row] = [line for line in text.splitlines() if f'<a id="{anchor}"></a>' in line]
    assert "Rolled back deploy 2024.06.1" in row
    f1 = text.split("### F1 (systemic, ", 1)[1].split("### F2", 1)[0]
    assert re.search(r"\[evidence: \d\d:\d\d rolled back\]\(#event-\d+\)\)\n", f1), f1
    [summary] = sandbox.wait_for(lambda: summaries(sandbox))
    assert f"(evidence: {local} rolled back (Europe/Berlin))" in str(summary["blocks"])


def answer_text(db: sessionmaker[Session], message_ts: str) -> str | None:
    with db() as session:
        row = session.scalars(select(Answer).where(Answer.message_ts == message_ts)).first()
        return row.text if row else None
