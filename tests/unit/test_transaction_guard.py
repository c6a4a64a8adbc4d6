"""The transaction guard: a network call made while a transaction is open is reported,
one made after the session closed, or from another thread, is not."""

from __future__ import annotations

import io
import logging
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy import text

from bot import transaction_guard
from bot.sandbox.bot_process import BotProcess, _no_calls_in_transaction
from storage.db import make_engine, make_sessionmaker


@pytest.fixture
def sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/guard.db")
    transaction_guard.install(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def _tracker() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(lambda _r: httpx.Response(200, json={})))


def _marks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return transaction_guard.calls_in_transaction(caplog.text)


def test_a_tracker_call_inside_a_session_is_reported_with_where(sessions, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.ERROR), sessions.begin() as session:
        session.execute(text("SELECT 1"))
        _tracker().get("https://api.github.com/repos/acme/web/issues/7")
    (line,) = _marks(caplog)
    assert "HTTP GET /repos/acme/web/issues/7" in line
    assert "test_transaction_guard.py" in line


def test_a_slack_call_inside_a_read_session_is_reported(sessions, caplog) -> None:  # type: ignore[no-untyped-def]
    slack = WebClient(token="xoxb-1", base_url="http://127.0.0.1:9/api/", timeout=1)
    with caplog.at_level(logging.ERROR), sessions() as session:
        session.execute(text("SELECT 1"))
        with pytest.raises(OSError):  # nothing listens there: the call itself fails
            slack.conversations_members(channel="C1")
    (line,) = _marks(caplog)
    assert "Slack conversations.members" in line


def test_fetch_first_then_open_the_session_is_silent(sessions, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.ERROR):
        _tracker().get("https://api.github.com/repos/acme/web/issues/7")
        with sessions.begin() as session:
            session.execute(text("SELECT 1"))
        _tracker().get("https://api.github.com/repos/acme/web/issues/8")
    assert _marks(caplog) == []


def test_another_threads_open_session_is_not_this_threads(sessions, caplog) -> None:  # type: ignore[no-untyped-def]
    opened, done = threading.Event(), threading.Event()

    def hold() -> None:
        with sessions.begin() as session:
            session.execute(text("SELECT 1"))
            opened.set()
            done.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    opened.wait(5)
    with caplog.at_level(logging.ERROR):
        _tracker().get("https://api.github.com/repos/acme/web/issues/7")
    done.set()
    holder.join()
    assert _marks(caplog) == []


def test_a_scenarios_bot_that_logged_such_a_call_fails_the_run(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(
        '{"level": "info", "event": "serving"}\n'
        '{"level": "error", "event": "network_call_in_transaction: Slack chat.postMessage"}\n'
    )
    bot = BotProcess("", "", "", "", None, log, tmp_path)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match=r"chat\.postMessage"):
        _no_calls_in_transaction(bot)
    log.write_text('{"level": "info", "event": "serving"}\n')
    _no_calls_in_transaction(bot)


def test_remind_checks_its_jobs_as_serve_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`postmortem-bot remind` runs serve's jobs from cron: a job that asks Slack while it
    holds a transaction is reported there too, not only under `serve`."""
    from types import SimpleNamespace

    from bot.config import Settings
    from bot.jobs import run_once
    from bot.jobs.runner import JobRun
    from bot.sandbox import Sandbox
    from storage import schema

    def asks_slack_inside_a_session(run: JobRun) -> Counter[str]:
        with run.sessions.begin() as session:
            session.execute(text("SELECT 1"))
            run.clients.slack.auth_test()
        return Counter(asked=1)

    url = f"sqlite:///{tmp_path}/remind.db"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    job = SimpleNamespace(NAME="probe", run=asks_slack_inside_a_session)
    monkeypatch.setattr(run_once, "JOBS", [job])
    sandbox = Sandbox(rate_limits=False).start()
    try:
        settings = Settings(
            database_url=url,
            slack_bot_token=sandbox.slack.bot_token,
            slack_api_url=sandbox.slack_api_url,
        )
        with caplog.at_level(logging.ERROR):
            assert run_once.run(settings, at=None, dry_run=False, out=io.StringIO()) == 0
    finally:
        sandbox.stop()
    (line,) = _marks(caplog)
    assert "Slack auth.test" in line and "test_transaction_guard.py" in line


def test_a_respond_to_the_response_url_inside_a_session_is_reported(sessions, caplog) -> None:  # type: ignore[no-untyped-def]
    """Bolt's `respond` posts with slack_sdk's WebhookClient, which is not `api_call`."""
    from slack_sdk.webhook import WebhookClient

    respond = WebhookClient("http://127.0.0.1:9/commands/T0ACME/1/abc", timeout=1)
    with caplog.at_level(logging.ERROR), sessions() as session:
        session.execute(text("SELECT 1"))
        with pytest.raises(OSError):  # nothing listens there: the post itself fails
            respond.send(text="Published", response_type="ephemeral")
    (line,) = _marks(caplog)
    assert "response_url" in line
