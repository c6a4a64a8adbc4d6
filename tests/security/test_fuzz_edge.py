"""Property: no signed body, of whatever shape, makes the edge answer 5xx or log a traceback.

Runs the real routes (`bot.server.build_asgi`) and the real Bolt app with every listener
(`bot.app.build_app`) in-process, through Starlette's TestClient, against an in-process
sandbox Slack. Slash-command forms, Events API JSON and interaction payloads are drawn
with any text, missing fields and wrong types, and mostly the ids the bot listens for, so
they get past routing. After each example the lazy listeners are waited for, so an error
in one is pinned on the example that caused it.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from slack_bolt import App
from sqlalchemy.orm import sessionmaker
from starlette.testclient import TestClient

from bot.app import build_app
from bot.config import Settings
from bot.http import slack_bodies
from bot.http.refusal import Refused
from bot.sandbox import Sandbox, payloads
from bot.sandbox.signing import slack_headers
from bot.server import build_asgi
from storage import schema
from storage.db import make_engine, make_sessionmaker

SECRET = "fuzz-signing-secret"
CHANNELS = ("C0INCIDENT", "C0PAYLOAD", "C0NOWHERE")
USERS = ("U0ALICE", "U0BOB", "U0NOBODY")
FORM = "application/x-www-form-urlencoded"
LISTENER_HOOK = "bot.listeners.errors: listener failed"
EVENT_TYPES = {"message", "app_mention", "pin_added", "pin_removed"}
EVENT_TYPES |= {"reaction_added", "reaction_removed"}
# No example database: nothing is written into the tree, and every run draws afresh.
# EDGE_FUZZ_EXAMPLES=2000 for a longer hunt; the default keeps the suite to seconds.
EXAMPLES = settings(
    max_examples=int(os.environ.get("EDGE_FUZZ_EXAMPLES", "80")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Problems(logging.Handler):
    """Every record at ERROR or with a traceback, from any logger, while installed."""

    records: list[logging.LogRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(logging.NOTSET)

    def __hash__(self) -> int:
        return id(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)

    def take(self) -> list[str]:
        taken, self.records = self.records, []
        return [_described(record) for record in taken]


def _described(record: logging.LogRecord) -> str:
    """The message, and for a traceback the error and the frame it was raised in."""
    text = f"{record.name}: {record.getMessage()[:300]}"
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        frame = traceback.extract_tb(error.__traceback__)[-1]
        text += f" <- {error!r} at {frame.filename}:{frame.lineno}"
    return text


@dataclass
class Edge:
    client: TestClient
    bolt: App
    sandbox: Sandbox
    problems: Problems
    ids: list[str]
    listener_failures: list[str] = field(default_factory=list)

    @property
    def interaction_ids(self) -> list[str]:
        return [i for i in self.ids if not i.startswith("/") and i not in EVENT_TYPES]

    def post(self, body: bytes, content_type: str) -> int:
        headers = slack_headers(SECRET, int(time.time()), body)
        headers["Content-Type"] = content_type
        status = self.client.post("/slack/events", content=body, headers=headers).status_code
        self.settle()
        return status

    def settle(self) -> None:
        """Wait until every lazy listener started so far has finished, where Bolt runs them
        in its thread pool: one barrier task per worker can only all run once each worker
        is done with what it had before. (Where they are recorded in the inbox instead,
        `bot.inbox.recording`, none runs in-process and there is nothing to wait for.)"""
        executor = getattr(self.bolt.listener_runner.lazy_listener_runner, "executor", None)
        workers = getattr(executor, "_max_workers", 0)
        if executor is None or not workers:
            return
        barrier = threading.Barrier(workers + 1)
        for _ in range(workers):
            executor.submit(barrier.wait, 30)
        barrier.wait(30)


def _listened_ids(bolt: App) -> list[str]:
    """The strings in Bolt's matchers: the command, action ids, callback ids, event types."""
    found: set[str] = set()

    def walk(value: object, depth: int) -> None:
        if isinstance(value, str):
            found.add(value)
        elif depth < 5 and isinstance(value, list | tuple | dict):
            for item in value.values() if isinstance(value, dict) else value:
                walk(item, depth + 1)
        elif depth < 5:
            for cell in getattr(value, "__closure__", None) or ():
                walk(cell.cell_contents, depth + 1)
            if hasattr(value, "func"):
                walk(value.func, depth + 1)

    for listener in bolt._listeners:  # private, but the point is to reach every listener
        for matcher in listener.matchers:
            walk(matcher, 0)
    return sorted(found)


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'bot.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    sessions: sessionmaker = make_sessionmaker(engine)
    with Sandbox(rate_window_seconds=1.0, rate_limits=False) as sb:
        sb.slack.add_user("U0ALICE", "alice", real_name="Alice Ng", tz="Europe/Berlin")
        sb.slack.add_user("U0BOB", "bob", real_name="Bob Diaz", tz="America/New_York")
        sb.slack.add_channel("C0INCIDENT", "inc-checkout", members=("U0ALICE", "U0BOB"))
        sb.slack.add_channel("C0PAYLOAD", "inc-payload-api", members=("U0ALICE",))
        config = Settings(
            slack_bot_token=sb.slack.bot_token,
            slack_signing_secret=SECRET,
            slack_api_url=sb.slack_api_url,
            database_url=url,
        )
        bolt = build_app(config, sessions=sessions)
        asgi = build_asgi(config, engine=engine, sessions=sessions, bolt=bolt)
        problems = Problems()
        logging.getLogger().addHandler(problems)
        try:
            with TestClient(asgi, raise_server_exceptions=False) as client:
                edge = Edge(client, bolt, sb, problems, _listened_ids(bolt))
                yield edge
            _report(edge.listener_failures)
        finally:
            logging.getLogger().removeHandler(problems)
            engine.dispose()


def _in_a_listener(problem: str) -> bool:
    """Raised by the bot's own listener code and caught by its hook (not raised in Bolt,
    which would mean the edge let through a shape Bolt cannot route)."""
    return problem.startswith(LISTENER_HOOK) and "site-packages" not in problem


def _report(failures: list[str]) -> None:
    """Shown in pytest's warnings summary: listeners that could not read a value."""
    where = sorted({failure.rsplit(" at ", 1)[-1] for failure in failures})
    if where:
        warnings.warn(f"listeners failed on {len(failures)} drawn values, at {where}", stacklevel=1)


# -- what is drawn ---------------------------------------------------------------------
# A body as Slack sends it (the sandbox's payload builders), then up to three mutations:
# a field dropped, a value swapped for any JSON value or any text, a field added.

ANY_TEXT = st.text(max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def command_texts(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(["help", "start", "strat", "timeline", "event", "actions", ""]))
    rest = draw(st.text(max_size=60) | st.just("Checkout rejects every payload"))
    return draw(st.sampled_from([f"{word} {rest}", rest, f'{word} "{rest}', f"{word} --{rest}"]))


def _slots(body: object, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value inside `body`'s objects and lists."""
    items = (
        body.items()
        if isinstance(body, dict)
        else enumerate(body)
        if isinstance(body, list)
        else ()
    )
    for key, value in items:
        yield (*path, key)
        yield from _slots(value, (*path, key))


def _parent(body: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        body = body[key]
    return body


@st.composite
def mutated(
    draw: st.DrawFn, body: dict[str, Any], values: st.SearchStrategy[Any]
) -> dict[str, Any]:
    body = copy.deepcopy(body)
    for _ in range(draw(st.integers(0, 3))):
        slots = list(_slots(body))
        if not slots:
            break
        path = draw(st.sampled_from(slots))
        parent, key = _parent(body, path), path[-1]
        how = draw(st.sampled_from(["drop", "swap", "swap", "add"]))
        if how == "drop" and isinstance(parent, dict):
            del parent[key]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(ANY_TEXT)] = draw(values)
        else:
            parent[key] = draw(values)
    return body


@st.composite
def slash_command_forms(draw: st.DrawFn, edge: Edge) -> bytes:
    """A slash command's form: its values are text, so mutations are any text."""
    ws = edge.sandbox.slack
    user, channel = draw(st.sampled_from(USERS)), draw(st.sampled_from(CHANNELS))
    urls = {"response_url": ws.new_response_url({"kind": "command"}), "trigger_id": "1.2.fuzz"}
    form = payloads.slash_command_form(
        ws, user, channel, draw(command_texts()), "/postmortem", urls
    )
    return urlencode(draw(mutated(form, ANY_TEXT))).encode()


@st.composite
def events(draw: st.DrawFn, edge: Edge) -> bytes:
    ws = edge.sandbox.slack
    channel, user = draw(st.sampled_from(CHANNELS)), draw(st.sampled_from(USERS))
    message = {"type": "message", "user": user, "text": draw(ANY_TEXT), "ts": "1700000000.000100"}
    event = draw(
        st.sampled_from(
            [
                payloads.message_event(ws, channel, message),
                payloads.message_changed(ws, channel, message, message, "1700000001.000100"),
                payloads.message_deleted(ws, channel, message, "1700000001.000100"),
                payloads.reaction_event("reaction_added", user, channel, message, "pushpin"),
                payloads.pin_event("pin_added", user, channel, message, 1),
                {"type": draw(st.sampled_from(edge.ids)), "user": user, "channel": channel},
            ]
        )
    )
    body = payloads.envelope(ws, event, "Ev0FUZZ")
    if draw(st.booleans()):
        body = {"type": "url_verification", "token": "t", "challenge": draw(ANY_TEXT)}
    return json.dumps(draw(mutated(body, JSON_VALUES))).encode()


@st.composite
def interactions(draw: st.DrawFn, edge: Edge) -> bytes:
    ws = edge.sandbox.slack
    user, channel = draw(st.sampled_from(USERS)), draw(st.sampled_from(CHANNELS))
    callback_or_action = draw(st.sampled_from(edge.interaction_ids))
    if draw(st.booleans()):
        action = {"action_id": callback_or_action, "block_id": "b", "type": "button"}
        action["value"] = draw(ANY_TEXT)
        context = {"channel_id": channel, "user_id": user, "message_ts": "1700000000.000100"}
        context.update(trigger_id="1.2.fuzz", response_url=ws.new_response_url({"kind": "x"}))
        payload = payloads.block_actions(ws, action, context)
    else:
        view = {"id": "V0FUZZ", "type": "modal", "callback_id": callback_or_action}
        view.update(private_metadata=draw(ANY_TEXT), state={"values": draw(JSON_VALUES)})
        payload = payloads.view_submission(ws, user, view, "1.2.fuzz")
    return urlencode({"payload": json.dumps(draw(mutated(payload, JSON_VALUES)))}).encode()


# -- the properties ----------------------------------------------------------------------


def _check(edge: Edge, body: bytes, content_type: str, *, bot_values: bool = False) -> None:
    """No 5xx and no traceback. With `bot_values`, the listeners' own error hook may log
    one: a button's value, a modal's metadata and state are what the bot itself sent
    Slack, and Slack signs them back unchanged, so a listener that cannot read a value
    it never wrote answers "Something went wrong (ref)"; those are tallied, not failed."""
    status = edge.post(body, content_type)
    event(f"answered {status}")  # see --hypothesis-show-statistics: most should get past
    problems = edge.problems.take()
    if bot_values:
        edge.listener_failures += [p for p in problems if _in_a_listener(p)]
        problems = [p for p in problems if not _in_a_listener(p)]
    assert status < 500, f"answered {status}"
    assert problems == [], problems


@EXAMPLES
@given(data=st.data())
def test_slash_command_forms_never_5xx_or_traceback(edge: Edge, data: st.DataObject) -> None:
    body = data.draw(slash_command_forms(edge))
    _check(edge, body, FORM)


@EXAMPLES
@given(data=st.data())
def test_event_json_never_5xx_or_traceback(edge: Edge, data: st.DataObject) -> None:
    _check(edge, data.draw(events(edge)), "application/json")


@EXAMPLES
@given(data=st.data())
def test_interaction_payloads_never_5xx_or_traceback(edge: Edge, data: st.DataObject) -> None:
    _check(edge, data.draw(interactions(edge)), FORM, bot_values=True)


@settings(max_examples=300, deadline=None, database=None)
@given(
    body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode), json_type=st.booleans()
)
def test_any_bytes_parse_to_a_body_or_a_refusal(body: bytes, json_type: bool) -> None:
    """The parser alone: any bytes at all are a dict or a 400, never another exception."""
    try:
        parsed = slack_bodies.parse(body, "application/json" if json_type else FORM)
    except Refused as refused:
        assert refused.status == 400
    else:
        assert isinstance(parsed, dict)
