"""A responder types /postmortem start in an incident channel; the real bot answers in Slack."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from storage.models import Postmortem, TimelineEvent
from tests.scenario.conftest import INCIDENT_CHANNEL


def _bot_messages(sandbox: Sandbox) -> list[dict]:
    return [m for m in sandbox.slack.messages(INCIDENT_CHANNEL) if m.get("bot_id")]


def _with_thread(bot_db: sessionmaker[Session]) -> Postmortem | None:
    """The post-mortem once the bot has recorded its opening message's ts."""
    with bot_db() as session:
        return session.scalars(select(Postmortem).where(Postmortem.thread_ts.is_not(None))).first()


def _count(bot_db: sessionmaker[Session], model: type) -> int:
    with bot_db() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_start_is_acknowledged_at_once_and_the_opening_message_appears(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    began = time.monotonic()
    response = driver.slash_command(
        "U0ALICE", INCIDENT_CHANNEL, "start --severity P1 Checkout 500s"
    )
    elapsed = time.monotonic() - began

    assert response.status_code == 200
    assert elapsed < 3.0, "Slack gives up on a slash command after 3 seconds"
    opening = sandbox.wait_for(lambda: _bot_messages(sandbox))[0]
    assert "Checkout 500s" in opening["text"]
    postmortem = sandbox.wait_for(lambda: _with_thread(bot_db))
    assert postmortem.severity == "P1" and postmortem.lead_user_id == "U0ALICE"
    assert postmortem.thread_ts == opening["ts"]


def test_a_second_start_points_to_the_running_postmortem(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    driver.slash_command("U0ALICE", INCIDENT_CHANNEL, "start Checkout 500s")
    sandbox.wait_for(lambda: _bot_messages(sandbox))

    driver.slash_command("U0BOB", INCIDENT_CHANNEL, "start Another title")

    answer = sandbox.wait_for(lambda: sandbox.slack.responses)[0]
    assert "already running" in answer["body"]["text"]
    assert answer["body"].get("response_type", "ephemeral") == "ephemeral"
    assert len(_bot_messages(sandbox)) == 1
    assert _count(bot_db, Postmortem) == 1


def test_start_without_a_title_names_the_postmortem_after_the_channel(
    driver: Driver, sandbox: Sandbox
) -> None:
    driver.slash_command("U0ALICE", INCIDENT_CHANNEL, "start")
    opening = sandbox.wait_for(lambda: _bot_messages(sandbox))[0]
    assert "inc-checkout-500s" in opening["text"]


def test_help_and_mistakes_are_answered_privately_in_the_ack(driver: Driver) -> None:
    help_answer = driver.slash_command("U0ALICE", INCIDENT_CHANNEL, "help")
    assert help_answer.json()["response_type"] == "ephemeral"
    assert "/postmortem start" in help_answer.json()["text"]

    wrong = driver.slash_command("U0ALICE", INCIDENT_CHANNEL, "strat now")
    assert wrong.status_code == 200
    assert "I don't know `strat`" in wrong.json()["text"]
    assert wrong.json()["response_type"] == "ephemeral"


def test_start_in_a_channel_the_bot_is_not_in_asks_to_be_invited(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    sandbox.slack.add_channel(
        "C0OUTSIDE", "inc-elsewhere", members=("U0ALICE",), bot_is_member=False
    )

    driver.slash_command("U0ALICE", "C0OUTSIDE", "start Elsewhere")

    answer = sandbox.wait_for(lambda: sandbox.slack.responses)[0]
    assert "/invite" in answer["body"]["text"]
    assert _count(bot_db, Postmortem) == 0, "a start that could not post leaves nothing behind"


def test_a_forged_signature_is_refused_and_changes_nothing(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    body = f"team_id=T0SANDBOX&channel_id={INCIDENT_CHANNEL}&user_id=U0ALICE&command=%2Fpostmortem&text=start"
    forged = driver.signed_post(
        "/slack/events",
        body.encode(),
        "application/x-www-form-urlencoded",
        signature="v0=" + "0" * 64,
    )
    stale = driver.signed_post(
        "/slack/events",
        body.encode(),
        "application/x-www-form-urlencoded",
        timestamp=int(time.time()) - 600,
    )

    assert forged.status_code == 401 and stale.status_code == 401
    assert _count(bot_db, Postmortem) == 0
    assert sandbox.slack.call_count("chat.postMessage") == 0


def test_an_event_delivered_three_times_is_recorded_once(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    driver.slash_command("U0ALICE", INCIDENT_CHANNEL, "start Checkout 500s")
    sandbox.wait_for(lambda: _bot_messages(sandbox))
    message = sandbox.slack.post_as_user(INCIDENT_CHANNEL, "U0BOB", "error rate back to normal")
    event = {
        "type": "message",
        "channel": INCIDENT_CHANNEL,
        "user": "U0BOB",
        "text": message["text"],
        "ts": message["ts"],
        "channel_type": "channel",
    }

    answers = [
        driver.deliver_event(event, event_id="Ev0RETRIED"),
        driver.deliver_event(event, event_id="Ev0RETRIED", retry_num=1),
        driver.deliver_event(event, event_id="Ev0RETRIED", retry_num=2),
    ]

    assert [a.status_code for a in answers] == [200, 200, 200]
    with bot_db() as session:
        texts = session.scalars(select(TimelineEvent.text)).all()
    assert texts.count("error rate back to normal") == 1
