"""Bolt's lazy listeners, recorded in the inbox before the ack instead of run in a thread.

Bolt hands every lazy listener to one `LazyListenerRunner` (slack_bolt 1.30,
`listener/thread_runner.py`):

* `start(function, request)` in the request's own thread, after the ack function ran
  and before `App.dispatch` returns the ack. Bolt's runner submits the function to a
  thread pool there, so a stop or a crash lost it; `RecordingRunner.start` records
  the request in the inbox instead, committed before the ack is sent. When it cannot
  (the database is down, read-only, full), it raises; `App.dispatch` hands that to the
  error hook, which answers 503 (`bot.listeners.errors.on_listener_error`), so Slack
  retries the event or shows its own failure notice for a command.
* `run(function, request)` for a request built with `lazy_only` and
  `lazy_function_name`: the inbox worker's replay (`bot.inbox.replay`). Bolt's own
  `run` logs and swallows what the function raises; this one runs it in the calling
  thread and keeps what it raised in the request's `Replay`, where the worker reads it.
  (`App.dispatch` catches every exception, so raising it would not reach the worker.)

The records of concurrent requests are committed together (`bot.inbox.group_commit`):
each ack still waits for its own record's commit, but fifty of them share one. An ack
function that writes before its answer (a channel message into the timeline) joins the
same commits through `write_before_ack`.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.util.utils import get_arg_names_of_callable, get_name_for_callable
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox import slack_delivery
from bot.inbox.group_commit import GroupCommit
from storage.models import utcnow
from storage.repositories import inbox

logger = logging.getLogger(__name__)

SOURCE = "slack"
REPLAY = "inbox_replay"  # the context key of a replay's `Replay`
GROUP_COMMIT = "inbox_group_commit"  # the context key of the app's `GroupCommit`
# Set by an ack function that answered everything (help, a mistake): nothing to record.
SETTLED_IN_ACK = "inbox_settled_in_ack"
# What a replay needs besides the body: how to read it, and the sender's proof and retry count.
KEPT_HEADERS = (
    "content-type",
    "x-slack-request-timestamp",
    "x-slack-signature",
    "x-slack-retry-num",
    "x-slack-retry-reason",
)
JSON = "application/json"
T = TypeVar("T")
# Tells the person their request was given up: (inbox item id, body, client, respond).
Notify = Callable[..., None]


@dataclass
class Replay:
    """One replay of an inbox item through `App.dispatch`, and what came of it.

    `notice_for`: instead of running the function, tell the person who asked that inbox
    item `notice_for` was given up (a dead letter)."""

    item_id: int
    notice_for: int | None = None
    ran: bool = False
    error: Exception | None = None


class RecordingRunner(LazyListenerRunner):
    """See the module docstring; `wake` is called after each new record (the worker's)."""

    def __init__(
        self, sessions: sessionmaker[Session], *, notify: Notify, logger: logging.Logger = logger
    ) -> None:
        self.logger = logger
        self.wake: Callable[[], None] = lambda: None
        self.group_commit = GroupCommit(sessions)
        self._notify = notify

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        if request.context.get(SETTLED_IN_ACK):
            return  # Bolt starts lazy listeners whatever the ack said; this one has no work
        name = get_name_for_callable(function)
        payload, headers = stored_request(request)
        delivery = slack_delivery.of(request.body, name, raw=payload)

        def record(session: Session) -> bool:
            return inbox.add(
                session,
                source=SOURCE,
                kind=delivery.kind,
                delivery_key=delivery.delivery_key,
                handler=delivery.handler,
                payload=payload,
                headers=headers,
                team_id=delivery.team_id,
                order_key=delivery.order_key,
                now=utcnow(),
            )

        if self.group_commit.run(record, order_key=delivery.order_key):
            self.wake()
        else:
            logger.info("inbox already has delivery=%s", delivery.delivery_key)

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        replay = request.context.get(REPLAY)
        if not isinstance(replay, Replay):
            _call(function, request, self.logger)  # not a replay: raise what it raises
            return
        try:
            if replay.notice_for is not None:
                _call(self._notify, request, self.logger, item_id=replay.notice_for)
            else:
                _call(function, request, self.logger)
        except Exception as error:
            replay.error = error
        finally:
            replay.ran = True


def _call(
    function: Callable[..., None], request: BoltRequest, log: logging.Logger, **extra: Any
) -> None:
    names = [name for name in get_arg_names_of_callable(function) if name not in extra]
    kwargs = build_required_kwargs(
        logger=log, required_arg_names=names, request=request, response=None, this_func=function
    )
    function(**kwargs, **extra)


def write_before_ack(context: BoltContext, write: Callable[[Session], T]) -> T:
    """Run `write` in the commit the app's records share (see `GroupCommit`); its result
    once committed. What the database raises is raised, and the ack answers 503."""
    group_commit = context.get(GROUP_COMMIT)
    if not isinstance(group_commit, GroupCommit):
        raise RuntimeError("this App records nothing: see bot.inbox.recording.install")
    return group_commit.run(write)


def settled_in_ack(context: BoltContext) -> None:
    """Say that the ack answered the whole request, so no work is recorded for after it."""
    context[SETTLED_IN_ACK] = True


def stored_request(request: BoltRequest) -> tuple[str, dict[str, str]]:
    """The body as received (HTTP) or as JSON (Socket Mode gives a dict), and the headers
    a replay needs."""
    headers = {
        name: str(values[0])
        for name, values in request.headers.items()
        if name in KEPT_HEADERS and values
    }
    if request.raw_body:
        return request.raw_body, headers
    headers["content-type"] = JSON
    return json.dumps(request.body, separators=(",", ":")), headers


def install(app: App, runner: RecordingRunner) -> None:
    """Make `runner` start and run every lazy listener of `app`.

    Bolt has no setting for this: `App(listener_executor=...)` only chooses the pool its
    own runner submits to. Its `ThreadListenerRunner` reads the runner from the attribute
    `lazy_listener_runner` each time; tests/unit/test_inbox_recording.py fails if a new
    Bolt moves it.

    Before `start`, that runner deep-copies the request for the lazy listener's thread
    (`_build_lazy_request`), the context's values too: the `Deps` (engine, clients,
    templates) fail to copy after a long try, and each time Bolt logs a warning. That
    was most of the time of an ack for `help`. `start` records the request in the
    request's own thread and keeps nothing of it, so a shallow copy serves."""
    listeners = getattr(app, "_listener_runner", None)
    if not isinstance(getattr(listeners, "lazy_listener_runner", None), LazyListenerRunner):
        raise RuntimeError(
            "this slack_bolt has no App._listener_runner.lazy_listener_runner: "
            "bot.inbox.recording.install needs updating for it"
        )
    if not callable(getattr(listeners, "_build_lazy_request", None)):
        raise RuntimeError(
            "this slack_bolt has no App._listener_runner._build_lazy_request: "
            "bot.inbox.recording.install needs updating for it"
        )
    listeners.lazy_listener_runner = runner  # type: ignore[union-attr]
    listeners._build_lazy_request = _lazy_request  # type: ignore[union-attr]

    @app.middleware
    def provide_group_commit(context: BoltContext, next: Callable[[], None]) -> None:
        context[GROUP_COMMIT] = runner.group_commit
        next()


def _lazy_request(request: BoltRequest, lazy_function_name: str) -> BoltRequest:
    """The request as the lazy listener's, without Bolt's deep copy (see `install`)."""
    lazy = copy.copy(request)
    lazy.lazy_only = True
    lazy.lazy_function_name = lazy_function_name
    return lazy


def runner_of(app: App) -> RecordingRunner:
    runner = getattr(getattr(app, "_listener_runner", None), "lazy_listener_runner", None)
    if not isinstance(runner, RecordingRunner):
        raise RuntimeError("this App records no lazy listeners: see bot.inbox.recording.install")
    return runner
