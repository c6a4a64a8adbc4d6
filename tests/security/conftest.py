"""Security fixtures: the real `serve` against the sandbox.

`bot`, `driver`, `sandbox`, `bot_db` and `slack_mode` are tests/scenario's, one bot per
test (and per database kind), over HTTP (the attacks here are on the HTTP edge). The many one-request cases of malformed input share one bot per
module instead (`shared_bot`, `shared_driver`): each asks one thing, changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from tests.scenario.conftest import (  # noqa: F401  (fixtures, used by name)
    INCIDENT_CHANNEL,
    bot,
    bot_db,
    driver,
    sandbox,
    slack_mode,
)


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_window_seconds=1.0) as sb:
        sb.slack.add_user("U0ALICE", "alice", real_name="Alice Ng", tz="Europe/Berlin")
        sb.slack.add_channel(INCIDENT_CHANNEL, "inc-checkout-500s", members=("U0ALICE",))
        yield sb


@pytest.fixture(scope="module")
def shared_bot(shared_sandbox: Sandbox) -> Iterator[BotProcess]:
    with running_bot(shared_sandbox) as process:
        yield process


@pytest.fixture(scope="module")
def shared_driver(shared_bot: BotProcess, shared_sandbox: Sandbox) -> Iterator[Driver]:
    with Driver(
        shared_bot.url,
        shared_bot.signing_secret,
        shared_sandbox,
        pagerduty_secret=shared_bot.pagerduty_secret,
    ) as signer:
        yield signer
