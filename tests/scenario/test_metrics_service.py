"""The service a post-mortem is about, named in Slack: `start --service`, `service NAME`,
`service` alone and `service none`, each answered to the person who typed it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from storage.models import Postmortem
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.test_tickets import told

ALICE, BOB = "U0ALICE", "U0BOB"


def _service(bot_db: sessionmaker[Session]) -> str | None:
    with bot_db() as session:
        return session.scalars(select(Postmortem.service)).one_or_none()


def test_start_names_the_service_and_bob_changes_sees_and_clears_it(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    driver.slash_command(ALICE, CHANNEL, "start --service checkout Checkout 500s")
    sandbox.wait_for(lambda: sandbox.slack.messages(CHANNEL))
    assert sandbox.poll(lambda: _service(bot_db) == "checkout")

    driver.slash_command(BOB, CHANNEL, "service checkout-db")
    told(sandbox, BOB, "now about service `checkout-db`")
    assert _service(bot_db) == "checkout-db"

    driver.slash_command(ALICE, CHANNEL, "service")
    told(sandbox, ALICE, "is about service `checkout-db`")

    driver.slash_command(BOB, CHANNEL, "service none")
    told(sandbox, BOB, "No service named any more")
    assert _service(bot_db) is None


def test_a_name_monitoring_could_not_have_is_refused_and_nothing_changes(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    driver.slash_command(ALICE, CHANNEL, "start --service checkout Checkout 500s")
    assert sandbox.poll(lambda: _service(bot_db) == "checkout")

    driver.slash_command(BOB, CHANNEL, 'service "check out"')
    told(sandbox, BOB, "A service name is up to 64 letters")
    driver.slash_command(BOB, CHANNEL, "service " + "x" * 65)
    told(sandbox, BOB, "A service name is up to 64 letters")
    assert _service(bot_db) == "checkout"


def test_service_before_any_start_says_how_to_start(driver: Driver, sandbox: Sandbox) -> None:
    driver.slash_command(BOB, CHANNEL, "service checkout")
    told(sandbox, BOB, "start one with `/postmortem start`")
