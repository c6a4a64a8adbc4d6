"""The error hook: where the words go when a listener fails, by kind of request."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.errors import NotFound, Unavailable, UserError
from bot.inbox import Retry
from bot.listeners.errors import in_background, on_listener_error
from bot.pagerduty.errors import PagerDutyUnavailable
from bot.slack import action_item_blocks

ALICE = "U0ALICE"
MODAL = action_item_blocks.modal(7, [])


def _submission(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T0TEAM"},
        "user": {"id": ALICE, "team_id": "T0TEAM"},
        "view": {**view, "id": "V0MODAL", "state": {"values": {}}},
        "response_urls": [],
    }


def _answer(error: Exception, body: dict[str, Any]) -> dict[str, Any]:
    response = on_listener_error(error, body)
    assert response.status == 200
    return json.loads(response.body)


class FakeClient:
    def __init__(self, refuse: bool = False) -> None:
        self.posted: list[dict[str, Any]] = []
        self.refuse = refuse

    def chat_postMessage(self, **kwargs: Any) -> None:
        if self.refuse:
            answer = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="chat.postMessage",
                req_args={},
                data={"ok": False, "error": "cannot_dm_bot"},
                headers={},
                status_code=200,
            )
            raise SlackApiError("refused", answer)
        self.posted.append(kwargs)


def _slack_failure(status: int, headers: dict[str, str]) -> SlackApiError:
    answer = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="chat.postMessage",
        req_args={},
        data={"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"},
        headers=headers,
        status_code=status,
    )
    return SlackApiError("failed", answer)


class FakeRespond:
    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    def __call__(self, **answer: Any) -> None:
        self.answers.append(answer)


def test_a_refused_modal_stays_open_with_the_words_under_its_first_field() -> None:
    answer = _answer(UserError("That post-mortem is closed."), _submission(MODAL))

    assert answer == {
        "response_action": "errors",
        "errors": {action_item_blocks.ACTION: "That post-mortem is closed."},
    }


def test_an_unexpected_failure_keeps_the_modal_open_with_a_reference(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = _answer(RuntimeError("boom"), _submission(MODAL))

    words = answer["errors"][action_item_blocks.ACTION]
    assert words.startswith("Something went wrong on my side") and "ref `" in words
    assert "boom" not in words
    assert "listener failed" in caplog.text


def test_a_modal_without_a_field_is_updated_to_say_what_went_wrong() -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Confirm"}, "blocks": []}

    answer = _answer(NotFound("That item is gone."), _submission(view))

    assert answer["response_action"] == "update"
    assert answer["view"]["title"]["text"] == "Confirm"
    assert answer["view"]["blocks"][0]["text"]["text"] == "That item is gone."
    assert "submit" not in answer["view"], "nothing left to submit"


def test_a_slash_command_is_answered_ephemerally_and_an_event_with_an_empty_200() -> None:
    command = _answer(UserError("No post-mortem here."), {"command": "/postmortem"})
    event = on_listener_error(UserError("no"), {"type": "event_callback"})

    assert command == {"response_type": "ephemeral", "text": "No post-mortem here."}
    assert (event.status, event.body) == (200, "")


def test_bolt_hands_a_failed_submission_to_the_hook_and_slack_gets_its_answer() -> None:
    app = App(
        signing_secret="secret",
        authorize=_authorize,
        request_verification_enabled=False,
        process_before_response=True,
    )
    app.error(on_listener_error)

    @app.view(action_item_blocks.CALLBACK)
    def refuse(ack: Any) -> None:
        raise UserError("Pick an owner who is in this workspace.")

    body = urlencode({"payload": json.dumps(_submission(MODAL))})
    response = app.dispatch(BoltRequest(body=body, headers={}))

    assert response.status == 200
    assert json.loads(response.body)["errors"] == {
        action_item_blocks.ACTION: "Pick an owner who is in this workspace."
    }


def _authorize(team_id: str | None) -> AuthorizeResult:
    """As an installed workspace's token would be found, without asking Slack."""
    return AuthorizeResult(
        enterprise_id=None, team_id=team_id, bot_token="xoxb-test", bot_user_id="U0BOT"
    )


def _fails(error: Exception) -> Any:
    def record(body: dict[str, Any], client: Any, respond: Any, context: Any) -> None:
        raise error

    return in_background(record)


def test_a_failure_after_a_modal_closed_is_told_by_direct_message() -> None:
    client, respond = FakeClient(), FakeRespond()

    _fails(NotFound("That post-mortem does not exist any more."))(
        body=_submission(MODAL), client=client, respond=respond, context={}
    )

    assert client.posted == [
        {"channel": ALICE, "text": "*Add action item*: That post-mortem does not exist any more."}
    ]
    assert respond.answers == []


def test_a_direct_message_slack_refuses_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _fails(UserError("no"))(
        body=_submission(MODAL), client=FakeClient(refuse=True), respond=None, context={}
    )

    assert "cannot_dm_bot" in caplog.text


def test_a_failure_after_a_command_or_click_is_told_ephemerally() -> None:
    client, respond = FakeClient(), FakeRespond()
    body = {"command": "/postmortem", "response_url": "https://hooks.example/1"}

    _fails(UserError("No post-mortem here."))(body=body, client=client, respond=respond, context={})

    assert respond.answers == [
        {"text": "No post-mortem here.", "response_type": "ephemeral", "replace_original": False}
    ]
    assert client.posted == []


def test_a_failed_event_tells_nobody() -> None:
    client, respond = FakeClient(), FakeRespond()
    event = {"type": "event_callback", "event": {"type": "message", "user": ALICE}}

    _fails(UserError("no"))(body=event, client=client, respond=respond, context={})

    assert client.posted == [] and respond.answers == []


def _operational() -> OperationalError:
    return OperationalError(
        "INSERT INTO inbox …", {}, Exception("attempt to write a readonly database")
    )


@pytest.mark.parametrize(
    "error",
    [_operational(), Unavailable("the database is away")],
    ids=["database", "unavailable"],
)
def test_a_request_met_by_an_unavailable_database_is_answered_503_for_slack_to_retry(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    command = on_listener_error(error, {"command": "/postmortem", "text": "event x"})
    event = on_listener_error(error, {"type": "event_callback"})

    assert (command.status, event.status) == (503, 503)
    assert "x-slack-no-retry" not in {name.lower() for name in command.headers}
    assert "answered 503" in caplog.text and "INSERT INTO" not in caplog.text


def test_a_constraint_the_request_broke_is_not_an_outage() -> None:
    error = IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed"))

    answer = _answer(error, {"command": "/postmortem"})

    assert answer["text"].startswith("Something went wrong on my side")


def test_an_unexpected_failure_after_the_ack_is_raised_for_the_worker_to_retry() -> None:
    client, respond = FakeClient(), FakeRespond()

    with pytest.raises(RuntimeError, match="boom"):
        _fails(RuntimeError("boom"))(
            body={"command": "/postmortem", "response_url": "https://hooks.example/1"},
            client=client,
            respond=respond,
            context={},
        )

    assert respond.answers == [] and client.posted == [], "told only when the worker gives up"


@pytest.mark.parametrize(
    ("error", "after"),
    [
        (_slack_failure(503, {}), None),
        (_slack_failure(429, {"retry-after": "30"}), 30.0),
        (_operational(), None),
        (PagerDutyUnavailable("PagerDuty answered 502", status=502), None),
        (ConnectionResetError("reset by peer"), None),
    ],
    ids=["slack-5xx", "slack-429", "database", "pagerduty", "connection"],
)
def test_a_transient_failure_after_the_ack_is_the_workers_retry(
    error: Exception, after: float | None
) -> None:
    with pytest.raises(Retry) as retry:
        _fails(error)(body={"type": "event_callback"}, client=None, respond=None, context={})

    assert retry.value.after_seconds == after
    assert retry.value.__cause__ is error
