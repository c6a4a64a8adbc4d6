"""Every slash command reaches its handler, whatever words its form carries.

Bolt's `parse_body` (slack_bolt.request.internals, 1.30) reads any form body containing
the word "payload" as an interaction, so these were answered 404 "unhandled request"
until bot.http.slack_bodies parsed the form itself.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from bot.listeners.command_line import MAX_COMMAND_CHARS
from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from tests.security.conftest import INCIDENT_CHANNEL

PAYLOAD_CHANNEL = "C0PAYLOAD"


def _bot_messages(sandbox: Sandbox, channel: str) -> list[dict]:
    return [m for m in sandbox.slack.messages(channel) if m.get("bot_id")]


def test_a_title_with_the_word_payload_starts_a_postmortem(
    driver: Driver, sandbox: Sandbox
) -> None:
    response = driver.slash_command(
        "U0ALICE", INCIDENT_CHANNEL, "start Checkout rejects every payload"
    )

    assert response.status_code == 200
    opening = sandbox.wait_for(lambda: _bot_messages(sandbox, INCIDENT_CHANNEL))[0]
    assert "Checkout rejects every payload" in opening["text"]


def test_a_command_in_a_channel_named_inc_payload_api_works(
    driver: Driver, sandbox: Sandbox
) -> None:
    sandbox.slack.add_channel(PAYLOAD_CHANNEL, "inc-payload-api", members=("U0ALICE", "U0BOB"))

    help_answer = driver.slash_command("U0ALICE", PAYLOAD_CHANNEL, "help")
    started = driver.slash_command("U0ALICE", PAYLOAD_CHANNEL, "start")

    assert help_answer.status_code == 200 and "/postmortem start" in help_answer.json()["text"]
    assert started.status_code == 200
    opening = sandbox.wait_for(lambda: _bot_messages(sandbox, PAYLOAD_CHANNEL))[0]
    assert "inc-payload-api" in opening["text"]


def test_a_form_field_named_payload_is_still_an_interaction(driver: Driver) -> None:
    """The other side of the fix: a real interaction (a `payload=` form) is still read as one."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ALICE", "team_id": "T0SANDBOX"},
        "trigger_id": "1.2.three",
        "actions": [{"action_id": "nobody.handles", "type": "button"}],
    }
    form = urlencode({"payload": json.dumps(payload)}).encode()

    response = driver.signed_post("/slack/events", form, "application/x-www-form-urlencoded")

    assert response.status_code == 404  # read as block_actions; no listener has that id


def test_a_one_megabyte_word_is_answered_at_once_with_the_cap(
    driver: Driver, sandbox: Sandbox
) -> None:
    began = time.monotonic()
    response = driver.slash_command("U0ALICE", INCIDENT_CHANNEL, "start " + "x" * 1_000_000)
    elapsed = time.monotonic() - began

    assert response.status_code == 200
    assert elapsed < 1.0, "Slack gives up on a slash command after 3 seconds"
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert "1,000,006 characters" in answer["text"] and f"{MAX_COMMAND_CHARS:,}" in answer["text"]
    time.sleep(0.5)
    assert _bot_messages(sandbox, INCIDENT_CHANNEL) == []


def test_a_command_at_the_cap_is_still_read(driver: Driver) -> None:
    response = driver.slash_command(
        "U0ALICE", INCIDENT_CHANNEL, "strat " + "x" * (MAX_COMMAND_CHARS - 6)
    )

    assert "I don't know `strat`" in response.json()["text"]
