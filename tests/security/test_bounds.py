"""Inputs bounded before storage, the same on SQLite and on PostgreSQL.

PostgreSQL refuses a NUL and a value longer than its column; SQLite takes both. So an
over-long PagerDuty agent name or id, or a NUL in a note or a message, used to be a 500
on PostgreSQL only (PagerDuty retries a 5xx for 48 hours) or a message dropped after
its 200. Each case goes through the real `serve`, on both databases (`database_url`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from storage.models import PagerDutyEvent, Postmortem, TimelineEvent
from tests import published
from tests.scenario.conftest import INCIDENT_CHANNEL

NOTE = "pagerduty_v3_incident.annotated.aldaviva.body.json"
ALICE = "U0ALICE"


def _note_body(*, event_id: str, incident_id: str, agent: str, content: str) -> bytes:
    """PagerDuty's published incident.annotated event, with the given id, agent and note."""
    body: dict[str, Any] = published.read_json(NOTE)
    event = body["event"]
    event["id"] = event_id
    event["agent"]["summary"] = agent
    event["data"]["incident"]["id"] = incident_id
    event["data"]["content"] = content
    return json.dumps(body).encode()


def _rows(db: sessionmaker[Session], model: Any) -> list[Any]:
    with db() as session:
        return list(session.scalars(select(model)))


def test_an_over_long_pagerduty_event_with_a_nul_is_kept_bounded_and_answered_200(
    driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    agent = "Ben " + "b" * 296  # PagerDuty's agent summary is free text; 300 characters
    long_id = "01FKZSYEOK0YQYTT9OZQJDS1P4" * 4  # 104 characters, the column has 64
    body = _note_body(
        event_id=long_id,
        incident_id="Q2CKYRLH85UNN4" * 6,
        agent=agent,
        content="rolled back\x00 the deploy",
    )

    first = driver.pagerduty_webhook(body)
    again = driver.pagerduty_webhook(body)  # PagerDuty delivers at least once

    assert first.status_code == 200, first.text
    assert first.json() == {"ok": True, "duplicate": False}
    assert again.status_code == 200 and again.json()["duplicate"] is True
    [row] = _rows(bot_db, PagerDutyEvent)
    assert row.agent_name == agent[:199] + "…"
    assert "\x00" not in row.summary and "rolled back the deploy" in row.summary
    assert len(row.event_id) == 64 and row.event_id.startswith(long_id[:40])
    assert row.incident_id is not None and len(row.incident_id) == 64


def test_two_over_long_ids_that_share_their_start_stay_two_events(
    driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    start = "E" * 80
    for tail in ("one", "two"):
        body = _note_body(
            event_id=start + tail, incident_id="Q2CKYRLH85UNN4", agent="Ben", content=tail
        )
        answer = driver.pagerduty_webhook(body)
        assert answer.status_code == 200 and answer.json()["duplicate"] is False

    rows = _rows(bot_db, PagerDutyEvent)
    assert len({row.event_id for row in rows}) == 2


def test_a_title_over_the_limit_gets_a_clear_private_answer_and_starts_nothing(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    response = driver.slash_command(ALICE, INCIDENT_CHANNEL, "start " + "Checkout " * 40)

    assert response.status_code == 200
    answers = sandbox.wait_for(lambda: _said(sandbox, "at most 300"))
    assert answers[0]["body"].get("response_type", "ephemeral") == "ephemeral"
    assert "359 characters" in answers[0]["body"]["text"]
    assert "Something went wrong" not in json.dumps(sandbox.slack.responses)
    assert _rows(bot_db, Postmortem) == []
    assert not [m for m in sandbox.slack.messages(INCIDENT_CHANNEL) if m.get("bot_id")]


def test_a_message_with_a_nul_is_kept_without_it(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    driver.slash_command(ALICE, INCIDENT_CHANNEL, "start Checkout 500s")
    sandbox.wait_for(
        lambda: [m for m in sandbox.slack.messages(INCIDENT_CHANNEL) if m.get("bot_id")]
    )

    _, answer = driver.user_posts(INCIDENT_CHANNEL, ALICE, "rolled\x00 back\x07 the deploy")

    assert answer.status_code == 200
    kept = sandbox.wait_for(lambda: _texts(bot_db, "rolled"), timeout=15)
    assert kept == ["rolled back the deploy"]


def _said(sandbox: Sandbox, words: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.slack.responses if words in (r["body"].get("text") or "")]


def _texts(db: sessionmaker[Session], word: str) -> list[str]:
    return [row.text for row in _rows(db, TimelineEvent) if word in row.text]
