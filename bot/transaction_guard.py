"""No network call while a database transaction is open: a check that says where one was.

On SQLite every transaction of this bot is `BEGIN IMMEDIATE`, so an open session holds
the one write lock; on PostgreSQL it holds a connection and its row locks. A Slack,
PagerDuty or tracker call inside it holds them for as long as that system takes to
answer (seconds, or the client's whole timeout), and every ack and worker waits behind.
The rule is "fetch first, then open the session": this module makes breaking it visible.

`install(engine)` follows the engine's pool: which thread holds which checked-out
connection (SQLAlchemy checks one out for a session's transaction, or a `connect()`
block, and back in at its commit, rollback or close). Every Slack Web API call
(`slack_sdk`'s `BaseClient.api_call`, which each `WebClient` method goes through, Bolt's
per-request clients too), every post to a `response_url` (`WebhookClient.send_dict`, which
Bolt's `respond` goes through, outside `api_call`) and every `httpx.Client.send`
(PagerDuty, GitHub, Jira) asks first whether the calling thread holds one; if it does,
one ERROR line with `MARK` and the bot's frames that made the call is logged. The call itself goes ahead unchanged.

It cannot be fooled by a new client or a helper in between (it sits where every call
passes), and does not cry wolf: it speaks only when this very thread holds a connection
of the pool at that moment. The scenario tests fail when the bot's log has the mark
(`calls_in_transaction`).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.web.base_client import BaseClient
from slack_sdk.webhook.client import WebhookClient
from sqlalchemy import Engine, event

logger = logging.getLogger(__name__)

MARK = "network_call_in_transaction"
_FRAMES = 4  # of the bot's own, innermost first: enough to find the session block
_ROOT = str(Path(__file__).resolve().parents[1]) + os.sep  # the checkout (or site-packages)

_held: dict[int, int] = {}  # id(connection record) -> ident of the thread holding it
_held_lock = threading.Lock()
_installed_engines: set[int] = set()
_patched = False


def install(engine: Engine) -> None:
    """Follow `engine`'s checked-out connections and check every outbound call (once each)."""
    global _patched
    if id(engine) not in _installed_engines:
        _installed_engines.add(id(engine))
        event.listen(engine, "checkout", _on_checkout)
        event.listen(engine, "checkin", _on_checkin)
        event.listen(engine, "close", _on_checkin)
    if not _patched:
        _patched = True
        BaseClient.api_call = _checked(BaseClient.api_call, _slack_what)  # type: ignore[method-assign]
        httpx.Client.send = _checked(httpx.Client.send, _http_what)  # type: ignore[method-assign]
        WebhookClient.send_dict = _checked(WebhookClient.send_dict, _respond_what)  # type: ignore[method-assign]


def holds_connection() -> bool:
    """Whether the calling thread holds a connection of an installed engine's pool."""
    me = threading.get_ident()
    with _held_lock:
        return any(thread == me for thread in _held.values())


def calls_in_transaction(log: str) -> list[str]:
    """The lines of a bot's `log` that report a call made inside a transaction."""
    return [line for line in log.splitlines() if MARK in line]


def _on_checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
    with _held_lock:
        _held[id(record)] = threading.get_ident()


def _on_checkin(_dbapi: Any, record: Any) -> None:
    with _held_lock:
        _held.pop(id(record), None)


def _checked(call: Callable[..., Any], what: Callable[..., str]) -> Callable[..., Any]:
    @functools.wraps(call)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if holds_connection():
            logger.error(
                "%s: %s while this thread holds a database transaction, at %s",
                MARK,
                what(*args, **kwargs),
                _where(),
            )
        return call(self, *args, **kwargs)

    return checked


def _slack_what(api_method: str = "?", *_args: Any, **_kwargs: Any) -> str:
    return f"Slack {api_method}"


def _respond_what(*_args: Any, **_kwargs: Any) -> str:
    return "Slack response_url (Bolt's respond)"


def _http_what(request: Any = None, *_args: Any, **_kwargs: Any) -> str:
    method, url = getattr(request, "method", "?"), getattr(request, "url", None)
    path = url.path if isinstance(url, httpx.URL) else "?"
    return f"HTTP {method} {path}"


def _where() -> str:
    """The innermost frames of the project's own code (not the libraries', not this module's)."""
    frames = [
        f"{frame.filename[len(_ROOT) :]}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_stack()
        if frame.filename.startswith(_ROOT)
        and "site-packages" not in frame.filename
        and frame.filename != __file__
    ]
    return " < ".join(reversed(frames[-_FRAMES:])) or "outside the bot's code"
