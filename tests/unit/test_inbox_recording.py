"""Bolt's lazy listeners through the inbox: recorded before the ack, replayed by the worker.

A small Bolt app with the bot's runner (`bot.inbox.recording`), error hook and
`in_background`, against the sandbox's Web API and response URLs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.listener.thread_runner import ThreadListenerRunner
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web import SlackResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.config import Settings
from bot.errors import NotFound
from bot.http import slack_bodies
from bot.http.slack_requests import VerifiedRequest
from bot.inbox import Claimed, Retry, Worker
from bot.inbox.recording import RecordingRunner, install, runner_of
from bot.inbox.replay import SlackReplay
from bot.listeners.errors import in_background, on_listener_error, tell_gave_up
from bot.sandbox import Sandbox
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import InboxItem, utcnow
from storage.repositories import inbox

FORM = "application/x-www-form-urlencoded"
CHANNEL, ALICE = "C0INC", "U0ALICE"
AN_HOUR_AGO = str(int(time.time()) - 3600)


class Work:
    """The lazy listener: what it was given, in which thread, and what it should raise."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.threads: list[threading.Thread] = []
        self.raises: Exception | None = None

    def __call__(self, body: dict[str, Any], client: Any, respond: Any, context: Any) -> None:
        self.bodies.append(body)
        self.threads.append(threading.current_thread())
        if self.raises is not None:
            raise self.raises


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(rate_limits=False) as sandbox:
        sandbox.slack.add_user(ALICE, "alice")
        sandbox.slack.add_channel(CHANNEL, "inc-checkout", members=(ALICE,))
        yield sandbox


@pytest.fixture
def work() -> Work:
    return Work()


def _app(sb: Sandbox, sessions: sessionmaker[Session], work: Work) -> App:
    def authorize(team_id: str | None) -> AuthorizeResult:
        token, bot_user = sb.slack.bot_token, sb.slack.bot_user_id
        return AuthorizeResult(
            enterprise_id=None, team_id=team_id, bot_token=token, bot_user_id=bot_user
        )

    app = App(
        client=WebClient(base_url=sb.slack_api_url),
        signing_secret="secret",
        authorize=authorize,
        request_verification_enabled=False,
        process_before_response=True,
    )
    app.error(on_listener_error)
    install(app, RecordingRunner(sessions, notify=tell_gave_up))

    def record_work(body: dict[str, Any], client: Any, respond: Any, context: Any) -> None:
        work(body, client, respond, context)

    app.command("/postmortem")(ack=lambda ack: ack(), lazy=[in_background(record_work)])
    app.event("reaction_added")(ack=lambda ack: ack(), lazy=[in_background(record_work)])
    return app


@pytest.fixture
def app(sb: Sandbox, sessions: sessionmaker[Session], work: Work) -> App:
    return _app(sb, sessions, work)


def _command(sb: Sandbox, text: str = "event 14:02 rolled back") -> VerifiedRequest:
    context = {"kind": "command", "command": "/postmortem", "text": text}
    form = {"team_id": sb.slack.team_id, "channel_id": CHANNEL, "user_id": ALICE}
    form.update(command="/postmortem", text=text, trigger_id=sb.slack.new_trigger_id())
    form["response_url"] = sb.slack.new_response_url(dict(context, channel_id=CHANNEL))
    return _request(urlencode(form), FORM)


def _reaction(sb: Sandbox, event_id: str, thread_ts: str | None = None) -> VerifiedRequest:
    item = {"type": "message", "channel": CHANNEL, "ts": "1700000000.000100"}
    event = {"type": "reaction_added", "user": ALICE, "reaction": "pushpin", "item": item}
    body = {"type": "event_callback", "team_id": sb.slack.team_id, "event_id": event_id}
    body["event"] = event
    return _request(json.dumps(body), "application/json")


def _request(raw: str, content_type: str) -> VerifiedRequest:
    headers = {"content-type": content_type, "x-slack-request-timestamp": AN_HOUR_AGO}
    body = slack_bodies.parse(raw.encode(), content_type)
    return VerifiedRequest(body=body, raw_body=raw, headers=headers)


def _items(sessions: sessionmaker[Session]) -> list[InboxItem]:
    with sessions() as session:
        return list(session.scalars(select(InboxItem).order_by(InboxItem.id)))


def _claim(sessions: sessionmaker[Session]) -> Claimed:
    with sessions.begin() as session:
        (claimed,) = inbox.claim_next(session, worker="w", now=utcnow(), lease_seconds=60)
    return claimed


def test_bolt_still_keeps_its_lazy_runner_where_install_replaces_it() -> None:
    """If a new slack_bolt moves the attribute, this fails before anything is lost."""
    app = App(signing_secret="secret", token="xoxb-test", token_verification_enabled=False)
    assert isinstance(app._listener_runner, ThreadListenerRunner)
    assert isinstance(app._listener_runner.lazy_listener_runner, LazyListenerRunner)
    runner = RecordingRunner(make_sessionmaker(make_engine("sqlite://")), notify=tell_gave_up)

    install(app, runner)

    assert runner_of(app) is runner
    assert app._listener_runner.lazy_listener_runner is runner


def test_a_command_is_recorded_before_its_ack_and_not_run(
    app: App, sb: Sandbox, sessions: sessionmaker[Session], work: Work
) -> None:
    request = _command(sb)
    woken: list[bool] = []
    runner_of(app).wake = lambda: woken.append(True)

    response = app.dispatch(request)

    assert response.status == 200
    (item,) = _items(sessions)
    assert (item.source, item.kind, item.handler, item.status) == (
        "slack",
        "command",
        "record_work",
        "pending",
    )
    assert item.delivery_key == f"{request.body['trigger_id']}:record_work"
    assert item.order_key == f"{sb.slack.team_id}:{CHANNEL}"
    assert item.team_id == sb.slack.team_id
    assert item.payload == request.raw_body
    assert json.loads(item.headers)["content-type"] == FORM
    assert woken == [True] and work.bodies == []


def test_a_retried_event_is_recorded_once(
    app: App, sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    first = app.dispatch(_reaction(sb, "Ev0RETRIED"))
    again = app.dispatch(_reaction(sb, "Ev0RETRIED"))

    assert (first.status, again.status) == (200, 200)
    (item,) = _items(sessions)
    assert (item.kind, item.delivery_key) == ("event", "Ev0RETRIED:record_work")


def test_a_request_the_database_cannot_keep_is_answered_503(sb: Sandbox, work: Work) -> None:
    away = make_sessionmaker(make_engine("postgresql+psycopg://postgres@127.0.0.1:1/x"))
    app = _app(sb, away, work)

    command = app.dispatch(_command(sb))
    event = app.dispatch(_reaction(sb, "Ev0AWAY"))

    assert (command.status, event.status) == (503, 503)
    assert "x-slack-no-retry" not in {name.lower() for name in command.headers}
    assert work.bodies == []


def test_a_read_only_sqlite_file_is_answered_503(sb: Sandbox, work: Work, tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    schema.upgrade(make_engine(f"sqlite:///{path}"))
    read_only = make_sessionmaker(make_engine(f"sqlite:///file:{path}?mode=ro&uri=true"))

    assert _app(sb, read_only, work).dispatch(_command(sb)).status == 503


def test_a_replay_runs_the_function_in_the_workers_thread_despite_an_old_timestamp(
    app: App, sb: Sandbox, sessions: sessionmaker[Session], work: Work
) -> None:
    request = _command(sb)
    app.dispatch(request)

    SlackReplay(app).handle(_claim(sessions))

    assert work.bodies == [request.body]
    assert work.threads == [threading.current_thread()]


def test_a_replay_raises_what_the_function_raised(
    app: App, sb: Sandbox, sessions: sessionmaker[Session], work: Work
) -> None:
    app.dispatch(_command(sb))
    work.raises = RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        SlackReplay(app).handle(_claim(sessions))


def test_slack_rate_limiting_is_retried_after_the_time_slack_asked_for(
    app: App, sb: Sandbox, sessions: sessionmaker[Session], work: Work
) -> None:
    app.dispatch(_command(sb))
    work.raises = _slack_error(429, {"Retry-After": "7"})

    with pytest.raises(Retry) as retry:
        SlackReplay(app).handle(_claim(sessions))

    assert retry.value.after_seconds == 7.0


def test_a_user_error_is_told_where_they_asked_and_the_item_is_done(
    app: App, sb: Sandbox, sessions: sessionmaker[Session], work: Work
) -> None:
    app.dispatch(_command(sb))
    work.raises = NotFound("There is no post-mortem in this channel.")

    SlackReplay(app).handle(_claim(sessions))

    (response,) = sb.slack.responses
    assert response["body"]["text"] == "There is no post-mortem in this channel."


def test_a_dead_letter_is_told_ephemerally_with_its_inbox_id(
    app: App, sb: Sandbox, sessions: sessionmaker[Session], work: Work
) -> None:
    app.dispatch(_command(sb, "event 14:02 rolled back the deploy"))
    work.raises = RuntimeError("boom")
    replay = SlackReplay(app)
    worker = Worker(
        sessions, replay.handle, worker_name="w", max_attempts=1, on_dead=replay.tell_gave_up
    )

    assert worker.run_once()

    (item,) = _items(sessions)
    assert item.status == "dead"
    (response,) = sb.slack.responses
    words = response["body"]["text"]
    assert f"inbox item {item.id}" in words and f"postmortem-bot inbox retry {item.id}" in words
    assert "`/postmortem event 14:02 rolled back the deploy`" in words
    assert response["body"]["response_type"] == "ephemeral"


def test_a_dead_event_is_told_by_direct_message(
    app: App, sb: Sandbox, sessions: sessionmaker[Session], work: Work
) -> None:
    app.dispatch(_reaction(sb, "Ev0DEAD"))
    replay = SlackReplay(app)

    replay.tell_gave_up(_claim(sessions), "gave up")

    (item,) = _items(sessions)
    dm = sb.slack.dm_channel(ALICE)
    posted = [c for c in sb.slack.calls if c.method == "chat.postMessage"]
    assert [c.params["channel"] for c in posted] == [ALICE]
    assert any(f"inbox item {item.id}" in m.get("text", "") for m in sb.slack.messages(dm))
    assert work.bodies == [], "telling is not running it again"


def _slack_error(status: int, headers: dict[str, str]) -> SlackApiError:
    answer = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="chat.postMessage",
        req_args={},
        data={"ok": False, "error": "ratelimited"},
        headers=headers,
        status_code=status,
    )
    return SlackApiError("ratelimited", answer)


def test_socket_mode_records_through_the_same_runner_and_replays_the_same_body(
    app: App, sb: Sandbox, sessions: sessionmaker[Session], work: Work
) -> None:
    """Socket Mode hands Bolt a dict, not bytes: it is kept as JSON and read back alike."""
    form = {"team_id": sb.slack.team_id, "channel_id": CHANNEL, "user_id": ALICE}
    form.update(command="/postmortem", text="event 14:02 x", trigger_id="1.2.socket")
    form["response_url"] = sb.slack.new_response_url({"kind": "command", "channel_id": CHANNEL})
    envelope = SocketModeRequest(type="slash_commands", envelope_id="E1", payload=form)

    response = run_bolt_app(app, envelope)

    assert response.status == 200
    (item,) = _items(sessions)
    assert json.loads(item.headers)["content-type"] == "application/json"
    assert (item.kind, item.delivery_key) == ("command", "1.2.socket:record_work")
    SlackReplay(app).handle(_claim(sessions))
    assert work.bodies == [form]


def test_socket_mode_leaves_unkept_envelopes_unacknowledged(sb: Sandbox, work: Work) -> None:
    away = make_sessionmaker(make_engine("postgresql+psycopg://postgres@127.0.0.1:1/x"))
    form = {"team_id": sb.slack.team_id, "channel_id": CHANNEL, "user_id": ALICE}
    form.update(command="/postmortem", text="event", trigger_id="1.2.away", response_url="x")
    envelope = SocketModeRequest(type="slash_commands", envelope_id="E2", payload=form)
    sent: list[object] = []
    client = SimpleNamespace(send_socket_mode_response=sent.append, logger=logging.getLogger())

    response = run_bolt_app(_app(sb, away, work), envelope)
    send_response(client, envelope, response, 0.0)  # type: ignore[arg-type]

    assert response.status == 503 and sent == [], "Slack redelivers what is not acknowledged"


def _real_app(sb: Sandbox, sessions: sessionmaker[Session]) -> App:
    settings = Settings(
        slack_bot_token=sb.slack.bot_token,
        slack_signing_secret="secret",
        slack_api_url=sb.slack_api_url,
    )
    return build_app(settings, sessions=sessions)


@pytest.mark.parametrize("text", ["help", "", "frobnicate the widgets"])
def test_help_and_mistakes_are_answered_in_the_ack_and_leave_no_work_behind(
    sb: Sandbox, sessions: sessionmaker[Session], text: str
) -> None:
    response = _real_app(sb, sessions).dispatch(_command(sb, text))

    assert response.status == 200
    assert json.loads(response.body)["response_type"] == "ephemeral"
    assert _items(sessions) == []


def test_a_subcommand_with_work_after_the_ack_is_recorded(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    response = _real_app(sb, sessions).dispatch(_command(sb, "event 14:02 rolled back"))

    assert response.status == 200
    (item,) = _items(sessions)
    assert item.kind == "command" and item.status == "pending"
