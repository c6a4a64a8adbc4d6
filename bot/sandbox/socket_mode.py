"""Slack's Socket Mode, in the sandbox: a WebSocket server speaking Slack's protocol.

`apps.connections.open` (app-level token only) hands out a one-use URL of this server
(`SocketMode.open_url`). On each connection Slack's protocol runs:

* the server sends `hello` (`num_connections`, `debug_info`, `connection_info`);
* each delivery is an envelope `{envelope_id, type, payload, accepts_response_payload,
  retry_attempt, retry_reason}` of type `events_api`, `slash_commands` or `interactive`,
  sent on the newest connection that was not asked to go;
* the app acknowledges with `{envelope_id, payload?}`; a slash command's or a modal's ack
  payload is the answer the person sees (what the HTTP response body is over HTTP);
* `disconnect` (`warning`, `refresh_requested`, `link_disabled`) asks the app to move to a
  new connection; the old one is closed after `DISCONNECT_GRACE_SECONDS`. After
  `link_disabled` (the app's Socket Mode was turned off) no connection is accepted
  until `enable()`: an app that keeps reconnecting is refused each time.
* An app holds at most `MAX_CONNECTIONS` (Slack's 10): a connection beyond them gets
  `disconnect` with reason `too_many_websockets` and is closed.

An envelope not acknowledged is delivered again, `retry_attempt` one higher and
`retry_reason` "timeout": at once on another connection when the one it was sent on
drops (or on the next to open), and, for events, when no ack came within
`ack_timeout` (Slack's 3 seconds), up to `MAX_RETRIES` times as Slack does. A command
or an interaction that no ack answered by the time `deliver` gives up is dropped (Slack
shows the person its failure notice then), an event is kept for the next connection.
`drop_before_ack()` makes the sandbox cut the connection as an ack arrives, as if the
network died with the ack in flight: the app then gets the same envelope again.

The server is `websockets`' synchronous one, on a port of its own (Slack's WebSocket
host is not its Web API host either); shapes follow Slack's Socket Mode docs and
slack_sdk's own test server.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as Handshake
from websockets.http11 import Response as HandshakeAnswer
from websockets.sync.server import Server, ServerConnection, serve

logger = logging.getLogger(__name__)

ENVELOPE_TYPES = ("events_api", "slash_commands", "interactive")
ACK_TIMEOUT_SECONDS = 3.0  # Slack's: an envelope not acknowledged within it is retried
MAX_RETRIES = 3  # Slack retries an event three times
DISCONNECT_GRACE_SECONDS = 2.0  # a `disconnect`ed connection is closed after this
DISCONNECT_REASONS = ("warning", "refresh_requested", "link_disabled")
MAX_CONNECTIONS = 10  # Slack's: an app may hold up to 10 open connections
# Interactive payloads whose ack carries an answer (errors, a new view, options).
ANSWERED_INTERACTIONS = ("view_submission", "block_suggestion")
RETRY_REASON = "timeout"
BUILD_NUMBER = 118


@dataclass(frozen=True)
class Ack:
    """What the app acknowledged: the envelope, the attempt, and its payload if any."""

    envelope_id: str
    retry_attempt: int
    payload: dict[str, Any] | None


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    retry_attempt: int = 0
    retry_reason: str = ""
    link: Link | None = None  # the connection it is on, awaiting its ack
    sent_at: float = 0.0
    ack: Ack | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def message(self) -> dict[str, Any]:
        body: dict[str, Any] = {"envelope_id": self.envelope_id, "type": self.type}
        body.update(payload=self.payload, accepts_response_payload=self.accepts_response_payload)
        if self.type == "events_api":
            body.update(retry_attempt=self.retry_attempt, retry_reason=self.retry_reason)
        return body


@dataclass
class Link:
    """One open WebSocket connection of the app."""

    number: int
    connection: ServerConnection
    opened_at: float
    leaving: bool = False  # sent `disconnect`: no new envelopes go to it


class SocketMode:
    """The Socket Mode server of the sandbox's app; `start()`/`stop()`."""

    def __init__(
        self,
        app_id: str,
        *,
        host: str = "127.0.0.1",
        ack_timeout: float = ACK_TIMEOUT_SECONDS,
        disconnect_grace: float = DISCONNECT_GRACE_SECONDS,
    ) -> None:
        self.app_id = app_id
        self.host = host
        self.ack_timeout = ack_timeout
        self.disconnect_grace = disconnect_grace
        self._state = threading.Condition()
        self._tickets: set[str] = set()
        self._links: list[Link] = []
        self._pending: dict[str, Envelope] = {}
        self._numbers = itertools.count(1)
        self._drop_acks = 0
        self.opened = 0  # connections accepted so far
        self.refused = 0  # handshakes refused (a used ticket, or Socket Mode turned off)
        self.too_many = 0  # connections sent away: the app held MAX_CONNECTIONS already
        self.enabled = True  # the app's Socket Mode setting; `link_disabled` turns it off
        self.acks: list[Ack] = []  # every ack received, in order (dropped ones too)
        self.sent: list[dict[str, Any]] = []  # every envelope message sent, in order
        self._server: Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> SocketMode:
        if self._server is None:
            self._stopping.clear()
            self._server = serve(
                self._serve,
                self.host,
                0,
                process_request=self._check_ticket,
                compression=None,
                logger=logger,
            )
            self._threads = [
                threading.Thread(target=self._server.serve_forever, daemon=True),
                threading.Thread(target=self._watch_acks, daemon=True),
            ]
            for thread in self._threads:
                thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        with self._state:
            links = list(self._links)
        for link in links:
            link.connection.close_socket()
        self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("Socket Mode is not running; call start() first")
        return int(self._server.socket.getsockname()[1])

    @property
    def url(self) -> str:
        """Where the connections go, without a ticket."""
        return f"ws://{self.host}:{self.port}/link/"

    def open_url(self) -> str:
        """A new one-use WebSocket URL, as `apps.connections.open` answers it."""
        ticket = uuid.uuid4().hex
        with self._state:
            self._tickets.add(ticket)
        return f"{self.url}?ticket={ticket}&app_id={self.app_id}"

    # -- what the tests and the driver do ----------------------------------------

    def deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        timeout: float = 10.0,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Ack | None:
        """Send `payload` as an envelope of `kind` and wait for its ack (None: none came)."""
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"no Socket Mode envelope type {kind!r}")
        envelope = Envelope(
            envelope_id=str(uuid.uuid4()),
            type=kind,
            payload=payload,
            accepts_response_payload=_accepts_response(kind, payload),
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        with self._state:
            self._pending[envelope.envelope_id] = envelope
            self._send(envelope)
        envelope.done.wait(timeout)
        with self._state:
            if envelope.ack is None and kind != "events_api":
                # Slack told the person it failed; only events are delivered again later.
                self._pending.pop(envelope.envelope_id, None)
        return envelope.ack

    def disconnect(self, reason: str) -> int:
        """Ask every open connection to go (Slack's `disconnect`); how many were asked."""
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"Slack sends no disconnect reason {reason!r}")
        with self._state:
            links = [link for link in self._links if not link.leaving]
            for link in links:
                link.leaving = True
            self.enabled = self.enabled and reason != "link_disabled"
        for link in links:
            message: dict[str, Any] = {"type": "disconnect", "reason": reason}
            message["debug_info"] = {"host": f"applink-sandbox-{link.number}"}
            _send_quietly(link, message)
            closer = threading.Timer(self.disconnect_grace, link.connection.close)
            closer.daemon = True
            closer.start()
        return len(links)

    def enable(self) -> None:
        """Socket Mode turned back on in the app's settings: connections are accepted."""
        with self._state:
            self.enabled = True

    def drop_before_ack(self, times: int = 1) -> None:
        """The next `times` acks are lost: the connection is cut as each one arrives."""
        with self._state:
            self._drop_acks += times

    @property
    def connections(self) -> int:
        """How many connections are open now."""
        with self._state:
            return len(self._links)

    def wait_connected(self, count: int = 1, *, opened: int = 0, timeout: float = 10.0) -> None:
        """Until `count` connections are open and `opened` were accepted in all."""
        deadline = time.monotonic() + timeout
        with self._state:
            while len(self._links) < count or self.opened < opened:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(self._links)} Socket Mode connections open, "
                        f"{self.opened} accepted, after {timeout}s"
                    )
                self._state.wait(min(remaining, 0.1))

    # -- the server ------------------------------------------------------------

    def _check_ticket(
        self, connection: ServerConnection, request: Handshake
    ) -> HandshakeAnswer | None:
        """Only a URL `apps.connections.open` handed out, once (Slack refuses others)."""
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._state:
            known = url.path.rstrip("/") == "/link" and ticket in self._tickets
            self._tickets.discard(ticket)
            if known and self.enabled and not self._stopping.is_set():
                return None
            self.refused += 1
        return connection.respond(401, "invalid or used Socket Mode ticket\n")

    def _serve(self, connection: ServerConnection) -> None:
        if not self._room_for(connection):
            return
        link = self._open(connection)
        try:
            for message in connection:
                self._received(link, message)
        except ConnectionClosed:
            pass
        finally:
            self._closed(link)

    def _room_for(self, connection: ServerConnection) -> bool:
        """False, and the connection sent away, when the app holds MAX_CONNECTIONS."""
        with self._state:
            full = len(self._links) >= MAX_CONNECTIONS
            self.too_many += full
        if full:
            away = {"type": "disconnect", "reason": "too_many_websockets"}
            with contextlib.suppress(ConnectionClosed, OSError):
                connection.send(json.dumps(away, separators=(",", ":")))
                connection.close()
        return not full

    def _open(self, connection: ServerConnection) -> Link:
        with self._state:
            self.opened += 1
            link = Link(next(self._numbers), connection, time.monotonic())
            self._links.append(link)
            hello = {"type": "hello", "num_connections": len(self._links)}
            hello["debug_info"] = {
                "host": f"applink-sandbox-{link.number}",
                "build_number": BUILD_NUMBER,
                "approximate_connection_time": 18060,
            }
            hello["connection_info"] = {"app_id": self.app_id}
            _send_quietly(link, hello)
            # What waited for a connection goes out on this one.
            for envelope in self._pending.values():
                if envelope.link is None:
                    self._send(envelope)
            self._state.notify_all()
        return link

    def _received(self, link: Link, message: str | bytes) -> None:
        try:
            body = json.loads(message)
        except ValueError:
            return
        envelope_id = body.get("envelope_id") if isinstance(body, dict) else None
        if not isinstance(envelope_id, str):
            return
        with self._state:
            envelope = self._pending.get(envelope_id)
            if envelope is None:
                return  # an ack of something already acknowledged
            payload = body.get("payload") if envelope.accepts_response_payload else None
            ack = Ack(envelope_id, envelope.retry_attempt, payload or None)
            self.acks.append(ack)
            if self._drop_acks > 0:
                self._drop_acks -= 1
                link.connection.close_socket()  # `_closed` sends it again
                return
            del self._pending[envelope_id]
            envelope.ack, envelope.link = ack, None
            envelope.done.set()
            self._state.notify_all()

    def _closed(self, link: Link) -> None:
        with self._state:
            if link in self._links:
                self._links.remove(link)
            for envelope in list(self._pending.values()):
                if envelope.link is link:
                    envelope.link = None
                    self._retry(envelope)
            self._state.notify_all()

    def _watch_acks(self) -> None:
        """Events not acknowledged in time are sent again (Slack retries only events)."""
        while not self._stopping.wait(0.1):
            now = time.monotonic()
            with self._state:
                for envelope in list(self._pending.values()):
                    late = envelope.link is not None and now - envelope.sent_at > self.ack_timeout
                    if not late or envelope.type != "events_api":
                        continue
                    if envelope.retry_attempt >= MAX_RETRIES:
                        del self._pending[envelope.envelope_id]
                        envelope.done.set()  # Slack gives up on it
                        continue
                    envelope.link = None
                    self._retry(envelope)

    def _retry(self, envelope: Envelope) -> None:
        envelope.retry_attempt += 1
        envelope.retry_reason = RETRY_REASON
        self._send(envelope)

    def _send(self, envelope: Envelope) -> None:
        """On the newest connection not asked to go (state lock held); else it waits."""
        live = [link for link in self._links if not link.leaving]
        if not live:
            return
        link = live[-1]
        envelope.link, envelope.sent_at = link, time.monotonic()
        message = envelope.message()
        self.sent.append(message)
        _send_quietly(link, message)


def _accepts_response(kind: str, payload: dict[str, Any]) -> bool:
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in ANSWERED_INTERACTIONS


def _send_quietly(link: Link, message: dict[str, Any]) -> None:
    """A send on a connection going away is lost; `_closed` then redelivers."""
    with contextlib.suppress(ConnectionClosed, OSError):
        link.connection.send(json.dumps(message, separators=(",", ":"), ensure_ascii=False))
