"""The checklist is reachable and honest (issue 14.4), through the real bot.

A message deleted from the incident channel is a noted gap that fails "Timeline
complete" and says what would tick it; `/postmortem gap ack deleted` acknowledges it as
removed on purpose, so the item holds while the report still lists the gap, marked
acknowledged. A message deleted after that is a gap again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.timeline import GapKind
from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from bot.sandbox.github_api import GitHubState
from bot.slack.report_blocks import ACK_DELETED
from storage.models import Postmortem, TimelineEvent, TimelineGap
from tests.scenario import test_tickets as tickets
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE, BOB, seed_postmortem

TIMELINE_CHECK = "Timeline complete and chronological"
UNREADABLE = GapKind.HISTORY_UNREADABLE.value
# The bot with GitHub Issues as its tracker, and the GitHub stand-in (tests/scenario/test_tickets).
github, tickets_bot, people, db, REPO = (
    tickets.github,
    tickets.tickets_bot,
    tickets.people,
    tickets.db,
    tickets.REPO,
)


def preview(sandbox: Sandbox, driver: Driver, seen: int) -> str:
    """The checklist section of a fresh `/postmortem report` preview."""
    driver.slash_command(ALICE, CHANNEL, "report")
    found = sandbox.wait_for(
        lambda: [r for r in sandbox.slack.responses if r["body"].get("blocks")][seen:]
    )
    blocks: list[dict[str, Any]] = found[0]["body"]["blocks"]
    return next(b["text"]["text"] for b in blocks if "Validation checklist" in str(b))


def line_of(checklist: str, label: str) -> str:
    lines = checklist.splitlines()
    at = next(n for n, line in enumerate(lines) if label in line)
    following = lines[at + 1] if at + 1 < len(lines) and "To tick it" in lines[at + 1] else ""
    return f"{lines[at]} {following}".strip()


def lately(db: sessionmaker[Session], postmortem_id: int) -> None:
    """The seeded incident moved to end an hour ago, so publishing now is within 48 h."""
    with db.begin() as session:
        rows = list(
            session.scalars(
                select(TimelineEvent).where(TimelineEvent.postmortem_id == postmortem_id)
            )
        )
        shift = datetime.now(UTC) - timedelta(hours=1) - max(row.occurred_at for row in rows)
        for row in rows:
            row.occurred_at += shift
        session.get_one(Postmortem, postmortem_id).created_at += shift


def deleted_once(sandbox: Sandbox, driver: Driver, db: sessionmaker[Session], text: str) -> None:
    message, _ = driver.user_posts(CHANNEL, BOB, text)
    driver.user_deletes(CHANNEL, message["ts"])

    def gone() -> list[TimelineEvent]:
        with db() as session:
            key = f"{CHANNEL}:{message['ts']}"
            query = select(TimelineEvent).where(TimelineEvent.source_key == key)
            return [row for row in session.scalars(query) if row.deleted_at is not None]

    sandbox.wait_for(gone)


def test_a_deleted_message_is_a_gap_a_person_acknowledges_and_the_checklist_then_holds(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
    postmortem_id = seed_postmortem(bot_db, CHANNEL, root["ts"])
    with bot_db.begin() as session:  # the PagerDuty incident is linked: no other gap
        session.get_one(Postmortem, postmortem_id).pagerduty_incident_id = "PSANDBOX1"

    driver.slash_command(ALICE, CHANNEL, "gap ack deleted")
    nothing = sandbox.wait_for(
        lambda: [r for r in sandbox.slack.responses if "nothing to acknowledge" in str(r["body"])]
    )
    assert nothing[0]["body"]["response_type"] == "ephemeral"

    deleted_once(sandbox, driver, bot_db, "customer email is jane@example.com")
    failing = line_of(preview(sandbox, driver, 0), TIMELINE_CHECK)
    assert failing.startswith(":x:") and "1 data gap (see Data gaps)" in failing
    assert "To tick it:" in failing and "`/postmortem gap ack deleted`" in failing

    driver.slash_command(BOB, CHANNEL, "gap ack deleted")
    sandbox.wait_for(
        lambda: [r for r in sandbox.slack.responses if "removed on purpose" in str(r["body"])]
    )
    holding = line_of(preview(sandbox, driver, 1), TIMELINE_CHECK)
    assert holding.startswith(":white_check_mark:"), holding
    assert "1 gap acknowledged as on purpose" in holding and "To tick it" not in holding

    driver.slash_command(ALICE, CHANNEL, "report here")
    document = sandbox.wait_for(lambda: [f for f in sandbox.slack.files if f["content"]])[-1]
    gaps = document["content"].decode().split("## Data gaps", 1)[1].split("## Validation", 1)[0]
    assert (
        "1 message was deleted from the channel and is not in the timeline. "
        "Acknowledged: removed on purpose." in gaps
    )
    checklist = document["content"].decode().split("## Validation checklist", 1)[1]
    assert f"- [x] **{TIMELINE_CHECK}**" in checklist
    assert "- [ ] **Action items tracked in a ticket system**" in checklist
    assert "_To tick it:_ \\`/postmortem tracker owner/name\\`" in checklist

    deleted_once(sandbox, driver, bot_db, "and the card number was 4111")
    again = line_of(preview(sandbox, driver, 2), TIMELINE_CHECK)
    assert again.startswith(":x:") and "1 data gap" in again, "a later deletion is a gap again"

    driver.slash_command(ALICE, CHANNEL, "report here")

    def with_button() -> list[dict[str, Any]]:
        return [
            element
            for m in sandbox.slack.replies(CHANNEL, root["ts"])
            for block in m.get("blocks") or []
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == ACK_DELETED
        ]

    [button] = sandbox.wait_for(with_button)  # only the later deletion is unexplained
    assert button["text"]["text"] == "1 deleted message: removed on purpose"
    driver.block_action(BOB, CHANNEL, ACK_DELETED, button["value"], thread_ts=root["ts"])
    said = sandbox.wait_for(
        lambda: [r for r in sandbox.slack.responses if "2 deleted messages were" in str(r["body"])]
    )
    assert said[0]["user_id"] == BOB and said[0]["body"]["response_type"] == "ephemeral"
    assert line_of(preview(sandbox, driver, 3), TIMELINE_CHECK).startswith(":white_check_mark:")


def test_a_team_without_a_pager_acknowledges_it_and_the_timeline_item_holds(
    sandbox: Sandbox, github: GitHubState, people: Driver, db: sessionmaker[Session]
) -> None:
    """No PagerDuty at all, GitHub for tickets: the pager gap is explained, not fatal."""
    root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
    postmortem_id = seed_postmortem(db, CHANNEL, root["ts"])  # no incident linked
    lately(db, postmortem_id)

    failing = line_of(preview(sandbox, people, 0), TIMELINE_CHECK)
    assert failing.startswith(":x:") and "1 data gap (see Data gaps)" in failing
    assert "`/postmortem gap ack pagerduty [why]`" in failing

    people.slash_command(BOB, CHANNEL, "gap ack pagerduty  we page by   phone tree")
    said = sandbox.wait_for(
        lambda: [r for r in sandbox.slack.responses if "Noted: no PagerDuty" in str(r["body"])]
    )
    assert said[0]["user_id"] == BOB and said[0]["body"]["response_type"] == "ephemeral"
    holding = line_of(preview(sandbox, people, 1), TIMELINE_CHECK)
    assert holding.startswith(":white_check_mark:"), holding
    assert "1 gap acknowledged as on purpose" in holding

    people.slash_command(ALICE, CHANNEL, "publish")
    sandbox.wait_for(lambda: github.created(REPO)[1:])  # both items filed on GitHub
    document = sandbox.wait_for(
        lambda: [f for f in sandbox.slack.files if f["filename"].startswith("postmortem-")]
    )[-1]["content"].decode()
    gaps = document.split("## Data gaps", 1)[1].split("## Validation", 1)[0]
    assert "No PagerDuty incident is linked" in gaps
    assert "Acknowledged: we page by phone tree." in gaps, gaps
    checklist = document.split("## Validation checklist", 1)[1]
    assert f"- [x] **{TIMELINE_CHECK}**" in checklist
    assert "- [x] **Action items tracked in a ticket system**" in checklist
    unticked = [line for line in checklist.splitlines() if line.startswith("- [ ]")]
    assert unticked == [], unticked
    assert "7 of 7 items hold." in document


def test_history_the_bot_could_not_read_is_a_gap_until_it_is_invited_and_starts_again(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
    postmortem_id = seed_postmortem(bot_db, CHANNEL, root["ts"])
    with bot_db.begin() as session:
        session.get_one(Postmortem, postmortem_id).pagerduty_incident_id = "PSANDBOX1"
    bot = sandbox.slack.bot_user_id
    sandbox.slack.channel(CHANNEL).members.remove(bot)  # removed from the channel

    def unreadable() -> list[TimelineGap]:
        with bot_db() as session:
            rows = session.scalars(select(TimelineGap).where(TimelineGap.kind == UNREADABLE))
            return list(rows)

    driver.slash_command(ALICE, CHANNEL, "start")
    sandbox.wait_for(unreadable)
    failing = line_of(preview(sandbox, driver, 0), TIMELINE_CHECK)
    assert failing.startswith(":x:") and "1 data gap" in failing
    assert "invite the bot to the channel, then `/postmortem start` again" in failing

    sandbox.slack.join(CHANNEL, bot)
    driver.slash_command(ALICE, CHANNEL, "start")
    sandbox.wait_for(lambda: not unreadable())
    holding = line_of(preview(sandbox, driver, 1), TIMELINE_CHECK)
    assert holding.startswith(":white_check_mark:") and "no known gaps" in holding, holding
