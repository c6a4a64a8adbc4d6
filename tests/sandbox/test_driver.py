"""The Driver, checked by a real slack_bolt App served over HTTP against the sandbox."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import Ack, App, Respond, Say

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from bot.sandbox.signing import pagerduty_signature, slack_signature
from tests.sandbox.conftest import ALICE, BOB, INCIDENT, LocalApp

Bolt = tuple[App, LocalApp]


def test_slack_signature_matches_the_published_vector(fixtures: Path) -> None:
    vector = json.loads((fixtures / "slack_signature_vector.json").read_text())
    body = (fixtures / vector["body_file"]).read_bytes()

    signed = slack_signature(vector["signing_secret"], vector["X-Slack-Request-Timestamp"], body)

    assert signed == vector["X-Slack-Signature"]


def test_pagerduty_signatures_match_the_published_vectors(fixtures: Path) -> None:
    vectors = json.loads((fixtures / "pagerduty_v3_signature_vectors.json").read_text())
    for vector in vectors:
        body = (fixtures / vector["body_file"]).read_bytes()
        ours = pagerduty_signature(vector["secret"], body)
        sent = {v.strip() for v in vector["x_pagerduty_signature"].split(",")}
        assert (ours in sent) is vector["expected_valid"], vector["source"]


def test_slash_command_form_has_every_field_slack_sends(
    sb: Sandbox, driver: Driver, recorder: LocalApp, fixtures: Path
) -> None:
    driver.bot_url = recorder.url
    driver.slash_command(ALICE, INCIDENT, "start Checkout 500s")

    sent = parse_qs(recorder.received[0].body.decode())
    bolt_form = parse_qs(
        (fixtures / "slack_slash_command_form_body.bolt_test.txt").read_text().strip()
    )
    assert set(bolt_form) - {"enterprise_id", "enterprise_name"} <= set(sent)
    assert {"api_app_id", "is_enterprise_install"} <= set(sent)
    assert sent["command"] == ["/postmortem"] and sent["text"] == ["start Checkout 500s"]
    assert sent["channel_name"] == ["inc-checkout"] and sent["user_name"] == ["alice"]
    assert sent["response_url"][0].startswith(f"{sb.base_url}/response/")


def test_slash_command_reaches_bolt_and_respond_lands_on_the_response_url(
    sb: Sandbox, bolt: Bolt, driver: Driver
) -> None:
    app, _ = bolt

    @app.command("/postmortem")
    def answer(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        respond(text=f"starting: {command['text']}")
        respond(text="Post-mortem opened", response_type="in_channel")

    response = driver.slash_command(ALICE, INCIDENT, "start")

    assert response.status_code == 200
    answers = sb.wait_for(lambda: len(sb.slack.responses) == 2 and sb.slack.responses)
    assert answers[0]["body"]["text"] == "starting: start"
    assert answers[0]["command"] == "/postmortem" and answers[0]["text"] == "start"
    assert [m["text"] for m in sb.slack.messages(INCIDENT)] == ["Post-mortem opened"]


def test_user_posts_deliver_message_events_bolt_routes(
    sb: Sandbox, bolt: Bolt, driver: Driver
) -> None:
    app, _ = bolt
    seen: list[dict[str, Any]] = []

    @app.event("message")
    def on_message(event: dict[str, Any], say: Say) -> None:
        seen.append(event)
        if "thread_ts" in event:
            say(text="noted", thread_ts=event["thread_ts"])

    parent, first = driver.user_posts(INCIDENT, ALICE, "checkout is down")
    reply, _ = driver.user_posts(INCIDENT, BOB, "rolling back", thread_ts=parent["ts"])

    assert first.status_code == 200
    sb.wait_for(lambda: len(sb.slack.replies(INCIDENT, parent["ts"])) == 3)
    top, threaded = sorted(seen, key=lambda e: e["ts"])
    assert top["channel_type"] == "channel" and top["user"] == ALICE and "thread_ts" not in top
    assert threaded["thread_ts"] == parent["ts"] and threaded["parent_user_id"] == ALICE
    assert threaded["ts"] == reply["ts"] == threaded["event_ts"]
    assert sb.slack.replies(INCIDENT, parent["ts"])[-1]["bot_id"] == sb.slack.bot_id


def test_edits_deletes_reactions_and_pins_arrive_as_slack_events(
    sb: Sandbox, bolt: Bolt, driver: Driver
) -> None:
    app, _ = bolt
    seen: list[dict[str, Any]] = []
    for kind in ("message", "reaction_added", "reaction_removed", "pin_added", "pin_removed"):
        app.event(kind)(lambda event: seen.append(event))
    message = sb.slack.post_as_user(INCIDENT, ALICE, "bob broke it")

    driver.user_edits(INCIDENT, message["ts"], "a config push broke it")
    driver.user_reacts(BOB, INCIDENT, message["ts"], "eyes")
    driver.user_unreacts(BOB, INCIDENT, message["ts"], "eyes")
    driver.user_pins(BOB, INCIDENT, message["ts"])
    driver.user_unpins(BOB, INCIDENT, message["ts"])
    driver.user_deletes(INCIDENT, message["ts"])

    sb.wait_for(lambda: len(seen) == 6)
    by_kind = {(e["type"], e.get("subtype")): e for e in seen}
    changed = by_kind[("message", "message_changed")]
    assert changed["message"]["text"] == "a config push broke it"
    assert changed["previous_message"]["text"] == "bob broke it"
    assert changed["message"]["edited"]["user"] == ALICE
    deleted = by_kind[("message", "message_deleted")]
    assert deleted["deleted_ts"] == message["ts"]
    added = by_kind[("reaction_added", None)]
    assert added["item"] == {"type": "message", "channel": INCIDENT, "ts": message["ts"]}
    assert added["item_user"] == ALICE and added["reaction"] == "eyes"
    assert by_kind[("pin_added", None)]["item"]["message"]["ts"] == message["ts"]
    assert by_kind[("pin_removed", None)]["has_pins"] is False
    assert sb.slack.messages(INCIDENT) == []


def test_block_action_payload_and_replace_original(sb: Sandbox, bolt: Bolt, driver: Driver) -> None:
    app, _ = bolt
    posted = app.client.chat_postMessage(channel=INCIDENT, text="Is this blameless?")

    @app.action("confirm")
    def confirm(ack: Ack, respond: Respond, body: dict[str, Any]) -> None:
        ack()
        assert body["container"]["message_ts"] == posted["ts"]
        respond(text=f"confirmed by <@{body['user']['id']}>", replace_original=True)

    response = driver.block_action(ALICE, INCIDENT, "confirm", "yes", message_ts=posted["ts"])

    assert response.status_code == 200
    sb.wait_for(lambda: sb.slack.message(INCIDENT, posted["ts"])["text"].startswith("confirmed"))
    assert sb.slack.responses[0]["kind"] == "block_actions"


def test_view_submission_reaches_bolt_with_its_state(
    sb: Sandbox, bolt: Bolt, driver: Driver
) -> None:
    app, _ = bolt
    got: list[dict[str, Any]] = []

    @app.view("impact")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        got.append(view)

    values = {"b": {"impact": {"type": "plain_text_input", "value": "12% of checkouts failed"}}}
    response = driver.view_submission(ALICE, {"callback_id": "impact", "blocks": []}, values)

    assert response.status_code == 200
    assert got[0]["state"]["values"]["b"]["impact"]["value"] == "12% of checkouts failed"


def test_retries_carry_slacks_retry_headers(driver: Driver, recorder: LocalApp) -> None:
    driver.bot_url = recorder.url
    event = {"type": "app_mention", "user": ALICE, "text": "hi", "channel": INCIDENT}

    driver.deliver_event(event, event_id="Ev123")
    driver.deliver_event(event, event_id="Ev123", retry_num=1)

    first, retry = (json.loads(r.body) for r in recorder.received)
    assert first == retry | {"event_time": first["event_time"]}
    assert first["event_id"] == "Ev123" and first["type"] == "event_callback"
    assert first["authorizations"][0]["user_id"] == "U0BOT"
    assert "X-Slack-Retry-Num" not in recorder.received[0].headers
    assert recorder.received[1].headers["X-Slack-Retry-Num"] == "1"
    assert recorder.received[1].headers["X-Slack-Retry-Reason"] == "http_timeout"


def test_bolt_refuses_stale_and_forged_requests(driver: Driver) -> None:
    body = b"token=x&command=%2Fpostmortem&text=help"
    stale = driver.signed_post(
        "/slack/events", body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600
    )
    forged = driver.signed_post(
        "/slack/events", body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64
    )
    assert stale.status_code == forged.status_code == 401


def test_pagerduty_webhook_is_signed_and_identified(
    driver: Driver, recorder: LocalApp, fixtures: Path
) -> None:
    driver.bot_url = recorder.url
    body = (fixtures / "pagerduty_v3_incident.triggered.aldaviva.body.json").read_bytes()

    driver.pagerduty_webhook(body, webhook_id="wh-1", extra_signatures=("v1=abc",))

    sent = recorder.received[0]
    assert sent.path == "/pagerduty/webhook" and sent.body == body
    assert sent.headers["X-Webhook-Id"] == "wh-1"
    assert (
        sent.headers["X-PagerDuty-Signature"] == f"{pagerduty_signature('pd-secret', body)},v1=abc"
    )


def test_delivered_events_have_the_fields_of_recorded_slack_events(
    sb: Sandbox, driver: Driver, recorder: LocalApp, fixtures: Path
) -> None:
    driver.bot_url = recorder.url
    recorded_message = json.loads(
        (fixtures / "slack_event_callback_message.channels.bolt_test.json").read_text()
    )
    recorded_reaction = json.loads(
        (fixtures / "slack_event_callback_reaction_added.python-slack-events-api.json").read_text()
    )
    message, _ = driver.user_posts(INCIDENT, ALICE, "Hello World!")
    driver.user_reacts(BOB, INCIDENT, message["ts"], "grinning")

    sent_message, sent_reaction = (json.loads(r.body) for r in recorder.received)

    legacy = {"enterprise_id", "authed_users"}  # org installs only / deprecated by Slack
    assert set(recorded_message) - legacy <= set(sent_message)
    assert set(recorded_message["event"]) <= set(sent_message["event"])
    assert sent_message["event"]["blocks"][0]["type"] == "rich_text"
    assert set(recorded_reaction["event"]) <= set(sent_reaction["event"])
    assert set(recorded_reaction["event"]["item"]) == set(sent_reaction["event"]["item"])
