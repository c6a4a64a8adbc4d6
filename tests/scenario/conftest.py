"""Scenario fixtures: the real bot process, a sandbox Slack, and a driver that signs like Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.transaction_guard import calls_in_transaction
from storage.db import make_engine, make_sessionmaker

INCIDENT_CHANNEL = "C0INCIDENT"


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with Sandbox(rate_window_seconds=1.0) as sandbox:
        sandbox.slack.add_user("U0ALICE", "alice", real_name="Alice Ng", tz="Europe/Berlin")
        sandbox.slack.add_user("U0BOB", "bob", real_name="Bob Diaz", tz="America/New_York")
        sandbox.slack.add_channel(
            INCIDENT_CHANNEL, "inc-checkout-500s", members=("U0ALICE", "U0BOB")
        )
        yield sandbox
        # Every payload the bot sent was checked against Slack's limits on the way in.
        if request.node.get_closest_marker("slack_refusals") is None:
            refused = sandbox.refusals()
            assert not refused, f"Slack would refuse these payloads: {refused}"


@pytest.fixture
def bot(sandbox: Sandbox, database_url: str) -> Iterator[BotProcess]:
    with running_bot(sandbox, database_url=database_url) as bot:
        yield bot
        # No Slack, PagerDuty or tracker call was made while a transaction was open.
        inside = calls_in_transaction(bot.log())
        assert not inside, "network calls inside a database transaction:\n" + "\n".join(inside)


@pytest.fixture
def driver(bot: BotProcess, sandbox: Sandbox) -> Driver:
    return Driver(
        bot_url=bot.url,
        signing_secret=bot.signing_secret,
        sandbox=sandbox,
        pagerduty_secret=bot.pagerduty_secret,
    )


@pytest.fixture
def bot_db(bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    """Read-only eyes on the bot's database, for assertions."""
    engine = make_engine(bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()
