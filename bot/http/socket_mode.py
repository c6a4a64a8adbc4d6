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
a pong, 40 s and more at Bolt's 10 s interval, while Slack holds the envelopes back.
`LinkWatchingClient` pings every `PING_INTERVAL_SECONDS` and takes the first ping that
fails as the end of the connection, so it reconnects within seconds.
"""

from __future__ import annotations

import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient

PING_INTERVAL_SECONDS = 2.0


class LinkWatchingClient(SocketModeClient):
    """The built-in client; a failed ping closes the session, and the monitor reconnects."""

    def _monitor_current_session(self) -> None:
        session = self.current_session
        if self.current_app_monitor_started and session is not None and session.is_active():
            try:
                session.ping(f"{session.session_id}:{time.time()}")
            except OSError:
                self.logger.info("the Socket Mode connection dropped; reconnecting")
                session.disconnect()
        super()._monitor_current_session()


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
