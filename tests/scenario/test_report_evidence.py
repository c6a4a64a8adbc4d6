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

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
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
