"""Alertmanager's notifications against the real bot: a real Alertmanager process
(`tests/scenario/alertmanager_server.py`) whose webhook receiver is `serve`'s
`/alertmanager/webhook`, fed alerts the way Prometheus sends them.

The incident: checkout's 5xx alert starts firing three minutes before the test, while a
payments alert fires beside it; the channel's post-mortem is about service checkout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.transaction_guard import calls_in_transaction
from storage.db import make_engine, make_sessionmaker
from storage.models import MonitoringAlert, Postmortem, TimelineEvent
from tests.scenario.alertmanager_server import AlertmanagerProcess, running_alertmanager
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE = "U0ALICE"
TOKEN = "scenario-alertmanager-token-5e1f"
CHECKOUT = {"alertname": "CheckoutErrors", "service": "checkout", "severity": "page"}
PAYMENTS = {"alertname": "PaymentsLatency", "service": "payments", "severity": "ticket"}
SAYS = {
    "summary": "Checkout 5xx above 5% <!channel>",
    "description": "error ratio 7% for 2m & rising",
}
WAIT = 30.0


@pytest.fixture
def am_bot(sandbox: Sandbox, database_url: str) -> Iterator[BotProcess]:
    env = {"ALERTMANAGER_WEBHOOK_TOKEN": TOKEN}
    with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
        yield bot
        inside = calls_in_transaction(bot.log())
        assert not inside, "network calls inside a database transaction:\n" + "\n".join(inside)


@pytest.fixture
def driver(am_bot: BotProcess, sandbox: Sandbox) -> Iterator[Driver]:
    with Driver(am_bot.url, am_bot.signing_secret, sandbox) as driver:
        yield driver


@pytest.fixture
def db(am_bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(am_bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@dataclass(frozen=True)
class Scene:
    """The bot, Slack's stand-in, a driver signing like Slack, eyes on the bot's database,
    and a folder for Alertmanager."""

    bot: BotProcess
    driver: Driver
    sandbox: Sandbox
    db: sessionmaker[Session]
    folder: Path

    def alertmanager(
        self, token: str = TOKEN, *, repeat_interval: str = "4h"
    ) -> AbstractContextManager[AlertmanagerProcess]:
        webhook = f"{self.bot.url}/alertmanager/webhook"
        return running_alertmanager(
            self.folder / "am", webhook, token, repeat_interval=repeat_interval
        )

    def start(self, words: str) -> None:
        _start(self.driver, self.sandbox, self.db, words)


@pytest.fixture
def scene(
    am_bot: BotProcess,
    driver: Driver,
    sandbox: Sandbox,
    db: sessionmaker[Session],
    tmp_path: Path,
) -> Scene:
    return Scene(am_bot, driver, sandbox, db, tmp_path)


def _start(driver: Driver, sandbox: Sandbox, db: sessionmaker[Session], words: str) -> None:
    driver.slash_command(ALICE, CHANNEL, f"start {words}")

    def gathered() -> bool:
        opening = [m for m in sandbox.slack.messages(CHANNEL) if m.get("bot_id")]
        replies = sandbox.slack.replies(CHANNEL, opening[0]["ts"])[1:] if opening else []
        return any(m["text"].startswith("Timeline gathered") for m in replies)

    sandbox.wait_for(gathered, timeout=WAIT)
    assert _postmortem(db) is not None


def _postmortem(db: sessionmaker[Session]) -> Postmortem | None:
    with db() as session:
        return session.scalars(select(Postmortem)).first()


def _kept(db: sessionmaker[Session]) -> list[tuple[str, str]]:
    with db() as session:
        rows = session.scalars(select(MonitoringAlert).order_by(MonitoringAlert.id))
        return [(row.alertname, row.status) for row in rows]


def _alert_lines(db: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    """(kind, UTC minute, actor) of each monitoring line, in time order."""
    with db() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.source == "monitoring")
            .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
        )
        return [(r.kind or "", f"{r.occurred_at:%Y-%m-%d %H:%M}", r.actor or "") for r in rows]


def _timeline_file(driver: Driver, sandbox: Sandbox) -> str:
    before = len(sandbox.slack.files)
    driver.slash_command(ALICE, CHANNEL, "timeline")
    upload = sandbox.wait_for(lambda: sandbox.slack.files[before:], timeout=WAIT)[0]
    content: Any = upload["content"]
    return content.decode() if isinstance(content, bytes) else str(content)


def _since(minutes: float) -> datetime:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).replace(microsecond=0)


def test_a_firing_then_its_resolution_are_received_once_each_one_line_each_at_their_minutes(
    scene: Scene,
) -> None:
    driver, sandbox, db = scene.driver, scene.sandbox, scene.db
    scene.start("--service checkout Checkout 500s")
    fired = _since(3)
    with scene.alertmanager() as alertmanager:
        alertmanager.post_alert(CHECKOUT, SAYS, starts_at=fired)
        alertmanager.post_alert(PAYMENTS, {"summary": "p99 over 2s"}, starts_at=fired)
        alertmanager.wait_for_notifications(sent=2)
        sandbox.poll(lambda: len(_kept(db)) == 2, timeout=WAIT)

        ended = _since(0.05)
        alertmanager.post_alert(CHECKOUT, SAYS, starts_at=fired, ends_at=ended)
        sandbox.poll(lambda: len(_kept(db)) == 3, timeout=WAIT)
        sent, failed = alertmanager.wait_for_notifications(sent=3)

    assert (sent, failed) == (3, 0), "each notification was taken the first time"
    assert sorted(_kept(db)) == [
        ("CheckoutErrors", "firing"),
        ("CheckoutErrors", "resolved"),
        ("PaymentsLatency", "firing"),
    ]
    actor = 'CheckoutErrors {service="checkout", severity="page"}'
    assert _alert_lines(db) == [
        ("alert_firing", f"{fired:%Y-%m-%d %H:%M}", actor),
        ("alert_resolved", f"{ended:%Y-%m-%d %H:%M}", actor),
    ], "checkout's alert only, once per transition"

    timeline = _timeline_file(driver, sandbox)
    assert f"{fired:%Y-%m-%d %H:%M}" in timeline and "Monitoring" in timeline
    assert "Alert firing: Checkout 5xx above 5%" in timeline
    assert "<!channel>" not in timeline, "the alert's words are escaped where shown"


def test_alertmanagers_resends_of_a_firing_alert_add_nothing(scene: Scene) -> None:
    db = scene.db
    scene.start("Checkout 500s")  # one workspace: no service needed
    fired = _since(2)
    with scene.alertmanager(repeat_interval="2s") as alertmanager:
        alertmanager.post_alert(CHECKOUT, SAYS, starts_at=fired)
        sent, failed = alertmanager.wait_for_notifications(sent=3)

    assert sent >= 3 and failed == 0, "the first notification, then repeat_interval's resends"
    assert _kept(db) == [("CheckoutErrors", "firing")]
    assert [kind for kind, _, _ in _alert_lines(db)] == ["alert_firing"]


def test_an_alert_that_came_before_the_post_mortem_is_filed_once_its_service_is_named(
    scene: Scene,
) -> None:
    driver, sandbox, db = scene.driver, scene.sandbox, scene.db
    fired = _since(20)
    with scene.alertmanager() as alertmanager:
        alertmanager.post_alert(CHECKOUT, SAYS, starts_at=fired)
        alertmanager.post_alert(PAYMENTS, {"summary": "p99 over 2s"}, starts_at=fired)
        sandbox.poll(lambda: len(_kept(db)) == 2, timeout=WAIT)
    assert _alert_lines(db) == []

    scene.start("--service payments Checkout 500s")
    assert [actor.split()[0] for _, _, actor in _alert_lines(db)] == ["PaymentsLatency"]

    driver.slash_command(ALICE, CHANNEL, "service checkout")
    sandbox.poll(lambda: len(_alert_lines(db)) == 2, timeout=WAIT)
    assert sorted((kind, minute, actor.split()[0]) for kind, minute, actor in _alert_lines(db)) == [
        ("alert_firing", f"{fired:%Y-%m-%d %H:%M}", "CheckoutErrors"),
        ("alert_firing", f"{fired:%Y-%m-%d %H:%M}", "PaymentsLatency"),
    ]


def test_an_alertmanager_with_the_wrong_token_is_refused_and_nothing_is_kept(scene: Scene) -> None:
    db = scene.db
    scene.start("Checkout 500s")
    with scene.alertmanager("not-the-token") as wrong:
        wrong.post_alert(CHECKOUT, SAYS, starts_at=_since(1))
        sent, failed = wrong.wait_for_notifications(failed=1)

    assert sent >= 1 and failed >= 1
    assert _kept(db) == [] and _alert_lines(db) == []
    refusals = re.findall(r"alertmanager request refused reason=(\w+)", scene.bot.log())
    assert refusals and set(refusals) == {"bad_token"}


def test_an_alert_hours_before_the_start_is_filed_once_a_milestone_says_the_incident_began_then(
    scene: Scene,
) -> None:
    driver, sandbox, db = scene.driver, scene.sandbox, scene.db
    fired = _since(5 * 60)
    with scene.alertmanager() as alertmanager:
        alertmanager.post_alert(CHECKOUT, SAYS, starts_at=fired)
        sandbox.poll(lambda: len(_kept(db)) == 1, timeout=WAIT)
    scene.start("Checkout 500s")
    assert _alert_lines(db) == [], "five hours before the post-mortem opened: not yet its own"

    began = fired - timedelta(minutes=10)
    driver.slash_command(ALICE, CHANNEL, f"milestone started {began:%Y-%m-%d %H:%M} UTC")

    sandbox.poll(lambda: len(_alert_lines(db)) == 1, timeout=WAIT)
    assert _alert_lines(db)[0][:2] == ("alert_firing", f"{fired:%Y-%m-%d %H:%M}")
