"""Socket Mode's own failures, with the real `serve` on the sandbox's WebSocket.

The connection drops with an ack in flight (the bot recorded the answer, Slack never
heard so): Slack delivers the envelope again on the bot's next connection, and the
answer is applied once. Slack asks the bot to move (`disconnect`, a warning or a
refresh): what is sent meanwhile arrives once, on the new connection. The database
cannot record (PostgreSQL cut off): the envelope is not acknowledged, and Slack's
retry, once the database is back, is applied once. Slack turns the app's Socket Mode off
(`link_disabled`): the bot says so once and does not knock again.
"""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.http.socket_mode import LINK_DISABLED_LOG, PING_INTERVAL_SECONDS
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import Answer, TimelineEvent
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.tcp_proxy import TcpProxy
from tests.scenario.test_interview import ALICE, BOB, InterviewThread, open_interview

IMPACT = "About 12% of checkouts failed, roughly 3,000 orders"


def _answers(bot_db: sessionmaker[Session], text: str) -> int:
    with bot_db() as session:
        return session.scalar(select(func.count()).where(Answer.text == text)) or 0


def _timeline_texts(bot_db: sessionmaker[Session]) -> list[str]:
    with bot_db() as session:
        return list(session.scalars(select(TimelineEvent.text)))


def test_a_websocket_dropped_mid_interview_loses_no_answer_and_applies_it_once(
    sandbox: Sandbox, driver: Driver, bot: BotProcess, bot_db: sessionmaker[Session]
) -> None:
    thread = open_interview(sandbox, driver)
    thread.say(
        ALICE, "Checkout returned 500s for 40 minutes after a config deploy", expect="*Impact.*"
    )
    sent_before = len(sandbox.socket_mode.sent)

    sandbox.socket_mode.drop_before_ack()  # Bob's answer is recorded, its ack lost
    message = thread.say(BOB, IMPACT, expect="*Detection.*")

    attempts = [m["retry_attempt"] for m in sandbox.socket_mode.sent[sent_before:]]
    # (a third attempt only if the second's ack took longer than Slack's 3 s)
    assert attempts[:2] == [0, 1], "delivered, dropped, delivered again on the next connection"
    assert sandbox.socket_mode.opened == 2, "the bot reconnected by itself"
    sandbox.poll(lambda: thread.accepted(message))
    assert _answers(bot_db, IMPACT) == 1
    asked = [m for m in thread.bot_replies(after=message["ts"]) if "*Detection.*" in m["text"]]
    assert len(asked) == 1, "the next question is asked once"

    # The interview goes on over the new connection.
    thread.say(ALICE, "A customer told support 25 minutes in; no alert fired", expect="*Trigger.*")


@pytest.mark.parametrize("reason", ["warning", "refresh_requested"])
def test_slack_moving_the_connection_loses_nothing_sent_meanwhile(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session], reason: str
) -> None:
    thread: InterviewThread = open_interview(sandbox, driver)
    lines = [f"status update {i}: error rate at {10 - i}%" for i in range(5)]

    assert sandbox.socket_mode.disconnect(reason) == 1
    answers = [driver.user_posts(CHANNEL, BOB, line)[1] for line in lines]

    assert [a.status_code for a in answers] == [200] * len(lines)
    sandbox.socket_mode.wait_connected(opened=2)
    sandbox.poll(lambda: all(line in _timeline_texts(bot_db) for line in lines))
    texts = _timeline_texts(bot_db)
    assert [texts.count(line) for line in lines] == [1] * len(lines)
    sandbox.wait_for(lambda: sandbox.socket_mode.connections == 1)
    assert thread.bot_replies(), "the interview thread is still there"


def test_an_envelope_the_database_cannot_record_is_not_acknowledged_and_comes_again(
    sandbox: Sandbox, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the database is cut off at the network: PostgreSQL")
    # Slack sends it again while the database is still cut off (the cut lasts the driver's
    # 3 s), and maybe after: whichever delivery comes once it is back is the one acked.
    sandbox.socket_mode.ack_timeout = 2.0
    url = make_url(database_url)
    engine = make_engine(database_url)
    bot_db = make_sessionmaker(engine)
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        with running_bot(sandbox, database_url=proxied, socket_mode=True) as bot:
            sandbox.socket_mode.wait_connected()
            driver = Driver(bot.url, bot.signing_secret, sandbox, socket_mode=True, timeout=3.0)
            open_interview(sandbox, driver)
            proxy.cut()

            sent_before = len(sandbox.socket_mode.sent)
            acks_before = len(sandbox.socket_mode.acks)
            line = "Error rate is back to 0.1%"
            _, away = driver.user_posts(CHANNEL, BOB, line)
            assert away.status_code == 504, "not acknowledged while it cannot be recorded"
            assert line not in _timeline_texts(bot_db)

            proxy.restore()
            sandbox.poll(lambda: httpx.get(f"{bot.url}/healthz").status_code == 200, timeout=30)
            sandbox.poll(lambda: line in _timeline_texts(bot_db), timeout=30)
            assert len(sandbox.socket_mode.acks) > acks_before, "acknowledged once recorded"
    attempts = [m["retry_attempt"] for m in sandbox.socket_mode.sent[sent_before:]]
    assert attempts[0] == 0 and max(attempts) >= 1, "delivered again while it was not acked"
    assert _timeline_texts(bot_db).count(line) == 1
    engine.dispose()


def test_sigterm_closes_the_websocket_first_and_exits_0(sandbox: Sandbox, bot: BotProcess) -> None:
    assert sandbox.socket_mode.connections == 1
    bot.process.terminate()
    assert bot.process.wait(timeout=30) == 0
    assert sandbox.socket_mode.connections == 0, "Slack sends its envelopes elsewhere now"
    assert "stopped: inbox items handed back=0" in bot.log()


def test_socket_mode_turned_off_is_logged_once_and_the_bot_does_not_reconnect(
    sandbox: Sandbox, bot: BotProcess
) -> None:
    sandbox.socket_mode.disconnect_grace = 0.2
    assert sandbox.socket_mode.disconnect("link_disabled") == 1
    sandbox.wait_for(lambda: sandbox.socket_mode.connections == 0)
    time.sleep(PING_INTERVAL_SECONDS + 1)  # the bot's monitor looked at least once since

    assert sandbox.socket_mode.opened == 1 and sandbox.socket_mode.refused == 0
    assert sandbox.slack.call_count("apps.connections.open") == 1, "only serve's start-up"
    assert bot.log().count(LINK_DISABLED_LOG) == 1
    assert bot.process.poll() is None, "the jobs (reminders, digests) go on over the Web API"
