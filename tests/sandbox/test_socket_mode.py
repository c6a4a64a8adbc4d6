"""The sandbox's Socket Mode: Slack's protocol as an app sees it, with slack_sdk's own client.

Raw WebSocket clients check the messages themselves (hello, envelopes, acks); the bot's
`LinkWatchingClient` (slack_sdk's built-in client) checks that an app reconnects and gets
again what it did not acknowledge.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin.connection import Connection
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.http.socket_mode import LINK_DISABLED_LOG, LinkWatchingClient, peer_closed
from bot.sandbox import Sandbox
from bot.sandbox.slack_api import APP_TOKEN
from bot.sandbox.socket_mode import MAX_CONNECTIONS

COMMAND = {"command": "/postmortem", "text": "help", "trigger_id": "1.2.abc", "user_id": "U0ALICE"}
EVENT = {"type": "event_callback", "event_id": "Ev0TEST", "event": {"type": "message"}}


def open_url(sandbox: Sandbox) -> str:
    answer = httpx.post(
        f"{sandbox.slack_api_url}apps.connections.open",
        headers={"Authorization": f"Bearer {APP_TOKEN}"},
    ).json()
    assert answer["ok"] is True, answer
    return str(answer["url"])


def receive(connection: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(connection.recv(timeout=5)))


class App:
    """An app on slack_sdk's client that acks everything (`answer` as the payload)."""

    def __init__(self, sandbox: Sandbox, answer: dict[str, Any] | None = None) -> None:
        self.received: list[SocketModeRequest] = []
        self.client = LinkWatchingClient(
            APP_TOKEN, web_client=WebClient(base_url=sandbox.slack_api_url), ping_interval=0.5
        )
        self.client.socket_mode_request_listeners.append(self._on_request)
        self.answer = answer

    def _on_request(self, client: LinkWatchingClient, request: SocketModeRequest) -> None:
        self.received.append(request)
        ack = SocketModeResponse(envelope_id=request.envelope_id, payload=self.answer)
        client.send_socket_mode_response(ack)


@pytest.fixture
def app(sb: Sandbox) -> Iterator[App]:
    connected = App(sb, answer={"text": "Usage: /postmortem start"})
    connected.client.connect()
    sb.socket_mode.wait_connected()
    yield connected
    connected.client.close()


def test_a_connection_starts_with_hello_and_a_ticket_works_once(sb: Sandbox) -> None:
    url = open_url(sb)
    with connect(url) as connection:
        hello = receive(connection)
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": sb.slack.app_id}
        assert {"host", "build_number", "approximate_connection_time"} <= set(hello["debug_info"])
    with pytest.raises(InvalidStatus) as used:
        connect(url)
    assert used.value.response.status_code == 401
    with pytest.raises(InvalidStatus):
        connect(url.replace("ticket=", "ticket=forged"))


def test_an_envelope_carries_the_payload_and_the_ack_carries_the_answer(sb: Sandbox) -> None:
    with connect(open_url(sb)) as connection:
        receive(connection)  # hello
        sb.socket_mode.wait_connected()
        answers: list[Any] = []
        sender = threading.Thread(
            target=lambda: answers.append(sb.socket_mode.deliver("slash_commands", COMMAND))
        )
        sender.start()
        envelope = receive(connection)
        assert envelope["type"] == "slash_commands" and envelope["payload"] == COMMAND
        assert envelope["accepts_response_payload"] is True
        answer = {"envelope_id": envelope["envelope_id"], "payload": {"text": "Usage"}}
        connection.send(json.dumps(answer))
        sender.join(5)
    assert answers[0].payload == {"text": "Usage"} and answers[0].retry_attempt == 0


def test_an_event_not_acknowledged_in_time_comes_again_with_its_attempt(sb: Sandbox) -> None:
    sb.socket_mode.ack_timeout = 0.3
    with connect(open_url(sb)) as connection:
        receive(connection)
        sb.socket_mode.wait_connected()
        assert sb.socket_mode.deliver("events_api", EVENT, timeout=0.1) is None
        first, again = receive(connection), receive(connection)
        assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
        assert (again["retry_attempt"], again["retry_reason"]) == (1, "timeout")
        assert again["envelope_id"] == first["envelope_id"]
        assert again["payload"] == EVENT and again["accepts_response_payload"] is False


def test_a_block_action_ack_payload_is_not_an_answer(sb: Sandbox, app: App) -> None:
    ack = sb.socket_mode.deliver("interactive", {"type": "block_actions", "trigger_id": "t"})
    assert ack is not None and ack.payload is None
    ack = sb.socket_mode.deliver("slash_commands", COMMAND)
    assert ack is not None and ack.payload == {"text": "Usage: /postmortem start"}


def test_an_ack_lost_with_the_connection_is_delivered_again_on_the_next(
    sb: Sandbox, app: App
) -> None:
    sb.socket_mode.drop_before_ack()
    started = time.monotonic()
    ack = sb.socket_mode.deliver("events_api", EVENT, timeout=15)
    assert ack is not None and ack.retry_attempt == 1, "acked only on the second delivery"
    assert sb.socket_mode.opened == 2, "the app reconnected"
    assert [r.retry_attempt for r in app.received] == [0, 1]
    assert [r.retry_reason for r in app.received] == ["", "timeout"]
    print(f"redelivered after a dropped connection in {time.monotonic() - started:.2f} s")


@pytest.mark.parametrize("reason", ["warning", "refresh_requested"])
def test_a_disconnect_moves_the_app_to_a_new_connection(sb: Sandbox, app: App, reason: str) -> None:
    assert sb.socket_mode.disconnect(reason) == 1
    acks = [sb.socket_mode.deliver("events_api", dict(EVENT, event_id=f"Ev{i}")) for i in range(3)]
    assert all(ack is not None and ack.retry_attempt == 0 for ack in acks)
    sb.socket_mode.wait_connected(opened=2)
    sb.wait_for(lambda: sb.socket_mode.connections == 1, timeout=5)
    assert [r.payload["event_id"] for r in app.received] == ["Ev0", "Ev1", "Ev2"]


def test_with_no_connection_a_command_fails_and_an_event_waits_for_the_next(sb: Sandbox) -> None:
    assert sb.socket_mode.deliver("slash_commands", COMMAND, timeout=0.2) is None
    assert sb.socket_mode.deliver("events_api", EVENT, timeout=0.2) is None
    with connect(open_url(sb)) as connection:
        assert receive(connection)["type"] == "hello"
        waiting = receive(connection)
        assert (waiting["type"], waiting["payload"]) == ("events_api", EVENT)
        with pytest.raises(TimeoutError):
            connection.recv(timeout=0.5)  # the command is not sent late


def test_an_app_sends_one_ping_per_interval(
    sb: Sandbox, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[float] = []
    ping = Connection.ping

    def counted(session: Connection, payload: str | bytes = "") -> None:
        pings.append(time.monotonic())
        ping(session, payload)

    monkeypatch.setattr(Connection, "ping", counted)
    time.sleep(2.6)  # about five intervals of 0.5 s
    gaps = [later - earlier for earlier, later in itertools.pairwise(pings)]
    assert len(pings) >= 2, "the app pings to notice a dropped connection"
    assert min(gaps) > 0.25, f"one ping each interval, not two: {gaps}"


def test_an_app_whose_socket_mode_slack_turned_off_says_so_once_and_stays_off(
    sb: Sandbox, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    sb.socket_mode.disconnect_grace = 0.2
    assert sb.socket_mode.disconnect("link_disabled") == 1
    sb.wait_for(lambda: sb.socket_mode.connections == 0, timeout=5)
    time.sleep(2.0)  # four ping intervals: time enough to try again, and again

    assert sb.socket_mode.opened == 1 and sb.socket_mode.refused == 0, "no reconnect tried"
    assert sb.slack.call_count("apps.connections.open") == 1, "no new URL asked for"
    said = [r.getMessage() for r in caplog.records if "link_disabled" in r.getMessage()]
    assert said == [LINK_DISABLED_LOG]

    sb.socket_mode.enable()  # an app that asks again once it is back on is accepted
    app.client.connect_to_new_endpoint(force=True)
    sb.socket_mode.wait_connected(opened=2)


def test_with_socket_mode_turned_off_a_connection_is_refused(sb: Sandbox) -> None:
    url = open_url(sb)
    sb.socket_mode.disconnect("link_disabled")
    with pytest.raises(InvalidStatus) as refused:
        connect(url)
    assert refused.value.response.status_code == 401 and sb.socket_mode.refused == 1


def test_a_connection_whose_peer_went_away_is_told_from_one_with_nothing_to_read() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert peer_closed(ours) is False, "open, nothing sent yet"
        theirs.sendall(b"\x89\x00")  # a ping frame waiting to be read
        assert peer_closed(ours) is False
        assert ours.recv(2) == b"\x89\x00", "looking did not take it away from the reader"
        theirs.close()
        assert peer_closed(ours) is True, "the end of the stream: Slack's side is gone"
    assert peer_closed(ours) is True, "a socket the client closed itself"


def test_closing_acknowledges_the_envelope_being_handled_before_the_connection_goes(
    sb: Sandbox,
) -> None:
    client = LinkWatchingClient(
        APP_TOKEN, web_client=WebClient(base_url=sb.slack_api_url), ping_interval=0.5
    )
    handling = threading.Event()

    def slow(client: LinkWatchingClient, request: SocketModeRequest) -> None:
        handling.set()
        time.sleep(0.5)  # recording it in the inbox, say
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))

    client.socket_mode_request_listeners.append(slow)
    client.connect()
    sb.socket_mode.wait_connected()
    acks: list[Any] = []
    sender = threading.Thread(
        target=lambda: acks.append(sb.socket_mode.deliver("events_api", EVENT, timeout=5))
    )
    sender.start()
    assert handling.wait(5)

    client.close()  # as serve's drain does on SIGTERM
    sender.join(6)
    assert acks[0] is not None and acks[0].retry_attempt == 0, "acknowledged, not sent again"
    sb.wait_for(lambda: sb.socket_mode.connections == 0, timeout=5)


def test_an_app_over_slacks_ten_connections_waits_before_it_asks_again(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with contextlib.ExitStack() as opened:
        others = [opened.enter_context(connect(open_url(sb))) for _ in range(MAX_CONNECTIONS)]
        sb.socket_mode.wait_connected(MAX_CONNECTIONS)  # ten other replicas
        one_more = App(sb)
        opened.callback(one_more.client.close)
        one_more.client.busy_backoff = 2.0
        one_more.client.connect()
        sb.wait_for(lambda: sb.socket_mode.too_many == 1, timeout=5)
        time.sleep(1.0)  # two ping intervals: slack_sdk alone asks again at once, on and on
        assert sb.socket_mode.too_many == 1 and sb.socket_mode.connections == MAX_CONNECTIONS
        assert sum("too_many_websockets" in r.getMessage() for r in caplog.records) == 1

        others.pop().close()  # a replica stopped: there is room again after the wait
        sb.socket_mode.wait_connected(MAX_CONNECTIONS, opened=MAX_CONNECTIONS + 1)
        assert sb.socket_mode.too_many == 1
