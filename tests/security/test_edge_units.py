"""The edge's pieces on their own: Slack's published vector and payloads, and Bolt's logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from bot import logs
from bot.http import slack_bodies
from bot.http.refusal import Refused
from bot.http.slack_requests import VerifiedRequest
from bot.http.slack_signature import check_headers, check_signature
from tests import published

FORM, JSON = "application/x-www-form-urlencoded", "application/json"
PUBLISHED_EVENTS = [
    "slack_event_callback_app_mention.bolt_test.json",
    "slack_event_callback_message.channels.bolt_test.json",
    "slack_event_callback_reaction_added.python-slack-events-api.json",
    "slack_url_verification.python-slack-events-api.json",
]


def test_slacks_published_signature_vector_passes_and_a_changed_byte_does_not() -> None:
    vector = published.read_json("slack_signature_vector.json")
    body = published.read_bytes(vector["body_file"])
    headers = {k.lower(): v for k, v in vector.items() if k.startswith("X-Slack")}
    at_signing = float(vector["X-Slack-Request-Timestamp"])

    signed = check_headers(headers, size=len(body), clock=lambda: at_signing)
    check_signature(vector["signing_secret"], signed, body)
    with pytest.raises(Refused, match="bad_signature"):
        check_signature(vector["signing_secret"], signed, body + b" ")
    with pytest.raises(Refused, match="stale_timestamp"):
        check_headers(headers, size=len(body), clock=lambda: at_signing + 301)


@pytest.mark.parametrize("name", PUBLISHED_EVENTS)
def test_slacks_published_events_are_read_as_bolt_would(name: str) -> None:
    assert slack_bodies.parse(published.read_bytes(name), JSON) == published.read_json(name)


@pytest.mark.parametrize(
    "name",
    [
        "slack_signed_slash_command.slack-docs_vector.body.txt",
        "slack_slash_command_form_body.bolt_test.txt",
    ],
)
def test_slacks_published_commands_are_read_as_forms(name: str) -> None:
    body = slack_bodies.parse(published.read_bytes(name).strip(), FORM)
    assert body["command"].startswith("/") and "team_id" in body


def test_a_form_is_an_interaction_only_when_it_has_a_payload_field() -> None:
    command = b"command=%2Fpostmortem&text=start+Checkout+rejects+every+payload"
    command += b"&team_id=T1&user_id=U1&channel_id=C1&channel_name=inc-payload-api"
    command += b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1"

    assert slack_bodies.parse(command, FORM)["text"] == "start Checkout rejects every payload"
    assert (
        slack_bodies.parse(
            b'payload={"type":"shortcut","callback_id":"c","trigger_id":"t","user":{"id":"U1"}}',
            FORM,
        )["type"]
        == "shortcut"
    )


@pytest.fixture
def bolt_at_warning() -> Iterator[App]:
    """A Bolt app built as bot.app builds it, with `slack_bolt` at WARNING as `serve` sets."""
    logging.getLogger(logs.BOLT).setLevel(logging.WARNING)
    try:
        yield App(
            signing_secret="s",
            authorize=lambda **_: AuthorizeResult(
                enterprise_id=None, team_id="T1", bot_token="xoxb-1", bot_user_id="U0BOT"
            ),
            request_verification_enabled=False,
            logger=logs.bolt_logger(),
        )
    finally:
        logging.getLogger(logs.BOLT).setLevel(logging.NOTSET)


def test_bolts_per_class_loggers_follow_slack_bolts_level_and_quote_no_request(
    bolt_at_warning: App, caplog: pytest.LogCaptureFixture
) -> None:
    per_class = [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        # "slack_bolt.<Class>": the loggers Bolt makes per class (get_bolt_logger)
        if name.startswith("slack_bolt.")
        and "." not in name[len("slack_bolt.") :]
        and isinstance(logger, logging.Logger)
    ]
    assert per_class and all(logger.getEffectiveLevel() >= logging.WARNING for logger in per_class)

    with caplog.at_level(logging.DEBUG):
        answer: BoltResponse = bolt_at_warning.dispatch(
            _request({"type": "block_actions", "actions": [{"action_id": "secret-words"}]})
        )
    assert answer.status == 404
    # The loggers this app's own parts hold (other Bolt objects made elsewhere in the test
    # run keep theirs; in `serve` the root handler filters those too).
    owned = [bolt_at_warning._framework_logger, bolt_at_warning._listener_runner.logger]
    owned += [m.logger for m in bolt_at_warning._middleware_list if hasattr(m, "logger")]
    assert all(logs.WITHOUT_REQUEST_BODIES in logger.filters for logger in owned)
    lines = [
        record.getMessage() for record in caplog.records if record.name.startswith("slack_bolt")
    ]
    assert lines == ["Unhandled request [request not logged]"]


def test_the_filter_cuts_bolts_lines_where_they_quote_a_request() -> None:
    record = logging.LogRecord(
        "slack_bolt.RequestVerification",
        logging.WARNING,
        __file__,
        1,
        "Invalid request signature detected (signature: %s, timestamp: 1, body: %s)",
        ("v0=00", "text=hunter2"),
        None,
    )
    assert logs.WITHOUT_REQUEST_BODIES.filter(record)
    assert record.getMessage() == "Invalid request signature detected [request not logged]"
    ours = logging.LogRecord("bot.http", logging.WARNING, __file__, 1, "body: {x}", (), None)
    assert logs.WITHOUT_REQUEST_BODIES.filter(ours) and ours.getMessage() == "body: {x}"


def _request(body: dict[str, Any]) -> VerifiedRequest:
    """A request as the edge hands Bolt one: already verified and parsed."""
    return VerifiedRequest(body=body, raw_body=json.dumps(body), headers={})
