"""Slack over Socket Mode: Bolt's built-in handler, on a client that notices a dead link.

Over Socket Mode Slack sends each request as an envelope on a WebSocket and waits for
its ack; Bolt's `SocketModeHandler` dispatches it through the same `App` as HTTP
(`App.dispatch`), so the lazy work is recorded in the inbox before the ack exactly as
over HTTP (`bot.inbox.recording`), and an envelope that could not be recorded (the
error hook's 503) is not acknowledged: Slack delivers it again, on this connection or
the next, and the inbox applies it once (its `delivery_key`). No signature applies:
the WebSocket was opened with the app-level token.

slack_sdk's built-in client reconnects when Slack closes the WebSocket properly or says
`disconnect`, but a connection that just drops (the peer gone, a network cut) reads as
empty forever: it notices only after five failed pings or four ping intervals without
a pong, while Slack holds the envelopes back (and its reader spins on the closed
stream meanwhile). Every `PING_INTERVAL_SECONDS` (slack_sdk's own default, 5 s: Slack's
servers ping too, and a ping a second per connection only loads them)
`LinkWatchingClient` looks whether the peer closed the connection, then sends one ping;
a closed peer or a failed ping ends the session and the client reconnects at once, and
a connection that stays silent ends after `STALE_INTERVALS` intervals without a pong, as
slack_sdk's check says.

`disconnect` with reason `too_many_websockets` means the app holds Slack's 10
connections already (more `serve` processes on one app-level token than that): the
client waits `BUSY_BACKOFF_SECONDS` before it asks for another, instead of asking again
at once, over and over.

`disconnect` with reason `link_disabled` means Slack turned Socket Mode off for the
app: every new connection would be refused, so the client says so once and stops
instead of asking `apps.connections.open` again at every ping.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.builtin.connection import Connection

PING_INTERVAL_SECONDS = 5.0
STALE_INTERVALS = 4  # no pong for this many intervals: the connection is gone
BUSY_BACKOFF_SECONDS = 60.0  # apps.connections.open is Tier 1: about one a minute
LINK_DISABLED_LOG = (
    "Slack turned Socket Mode off for this app (disconnect: link_disabled): not "
    "reconnecting; Slack sends nothing until Socket Mode is turned back on in the "
    "app's settings and serve is restarted"
)


class LinkWatchingClient(SocketModeClient):
    """The built-in client; a failed ping closes the session, and the monitor reconnects,
    unless Slack disabled the app's Socket Mode."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The session pinged but not answered yet, and when it was first pinged.
        self._unanswered: tuple[str | None, float] = (None, 0.0)
        self.busy_backoff = BUSY_BACKOFF_SECONDS
        self._not_before = 0.0  # monotonic: no new connection before (too_many_websockets)

    def _monitor_current_session(self) -> None:
        """Every ping interval (slack_sdk's monitor thread): one ping, then a reconnect
        if the session ended. Replaces slack_sdk's check, which pings as well."""
        if not self.current_app_monitor_started:
            return
        session = self.current_session
        if session is not None and session.is_active():
            self._check(session)
        waiting = time.monotonic() < self._not_before
        if self.auto_reconnect_enabled and not self.is_connected() and not waiting:
            self.logger.info("the Socket Mode connection dropped; reconnecting")
            try:
                self.connect_to_new_endpoint()
            except Exception as error:  # the next interval tries again
                self.logger.warning("Socket Mode could not reconnect: %s", error)

    def _check(self, session: Connection) -> None:
        now = time.time()
        if session.sock is None or peer_closed(session.sock):
            session.disconnect()
            return
        try:
            session.ping(f"{session.session_id}:{now}")
        except OSError:
            session.disconnect()
            return
        heard = session.last_ping_pong_time
        if heard is None:  # no pong yet: counted from this session's first ping
            if self._unanswered[0] != session.session_id:
                self._unanswered = (session.session_id, now)
            heard = self._unanswered[1]
        if now - heard > self.ping_interval * STALE_INTERVALS:
            self.logger.info("no pong from Slack for %.0f s", now - heard)
            session.disconnect()

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        """slack_sdk's, but not while Slack said the app has too many connections (its
        close of the connection would make slack_sdk reconnect at once)."""
        if time.monotonic() >= self._not_before:
            super().connect_to_new_endpoint(force)

    def close(self) -> None:
        """slack_sdk's close, once the envelopes being handled are acknowledged: it would
        close the connection under them, their acks would fail, and Slack would deliver
        them again. What arrived but was not started is left unacknowledged: Slack
        delivers it again, on another connection."""
        self.closed = True  # the message processor takes no more from the queue
        self.auto_reconnect_enabled = False
        if self.message_processor.is_alive():
            self.message_processor.shutdown()
        self.message_workers.shutdown(wait=True)
        super().close()

    def _on_message(self, message: str) -> None:
        reason = _disconnect_reason(message)
        if reason == "link_disabled":
            self.default_auto_reconnect_enabled = self.auto_reconnect_enabled = False
            self.logger.error(LINK_DISABLED_LOG)
            return  # not queued: slack_sdk would reconnect on any `disconnect`
        if reason == "too_many_websockets":
            self._not_before = time.monotonic() + self.busy_backoff
            self.logger.warning(
                "Slack refused a Socket Mode connection: the app holds its 10 already "
                "(too_many_websockets: more serve processes on this SLACK_APP_TOKEN?); "
                "trying again in %.0f s",
                self.busy_backoff,
            )
            return
        super()._on_message(message)


def peer_closed(sock: socket.socket) -> bool:
    """Whether the other end closed the connection. slack_sdk's reader takes the end of
    the stream for "nothing yet" and reads it again and again; a ping only fails on the
    second try (the first one is what makes the peer answer with a reset)."""
    try:
        with socket.fromfd(sock.fileno(), sock.family, sock.type) as probe:  # no timeout
            return probe.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False  # open, nothing to read
    except OSError:
        return True


def _disconnect_reason(message: str) -> str | None:
    """The reason of a `disconnect` that is not a move (the moves slack_sdk follows)."""
    if '"link_disabled"' not in message and '"too_many_websockets"' not in message:
        return None  # every envelope: no second parse
    try:
        body = json.loads(message)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("type") != "disconnect":
        return None
    reason = body.get("reason")
    return reason if isinstance(reason, str) else None


class SocketModeLink(SocketModeHandler):
    """Bolt's handler on a `LinkWatchingClient` that connects first to `url` (the one
    `serve`'s start-up check opened), then to a new URL at each reconnect."""

    def __init__(
        self,
        app: App,
        app_token: str,
        *,
        url: str,
        ping_interval: float = PING_INTERVAL_SECONDS,
    ) -> None:
        # Not SocketModeHandler.__init__: it would start a second client's threads.
        self.app = app
        self.app_token = app_token
        self.client = LinkWatchingClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=ping_interval,
        )
        self.client.wss_uri = url
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
