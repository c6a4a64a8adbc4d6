"""SQLite that cannot take a write (issue 11): the real `serve` on a SQLite file whose disk
fills up while it runs answers 503, not 200, and `/healthz` is not ready; once there is
room again, Slack's retries of what was refused are applied, each once.

The disk is a real one: a small tmpfs the test mounts (so the test needs root, and is
skipped without it), filled with a file until the kernel says ENOSPC. Nothing in the bot
is told or hooked: SQLite's own "database or disk is full" is what it meets. The WAL
may still have room for a few commits when the disk fills, so messages are sent until
one is refused; each answered 200 before then must be stored, each refused one stored
only once Slack sends it again.

A SQLite file turned read-only under a running `serve` is not tested here: its
connections keep the file open read-write, so neither chmod nor a read-only remount
(refused while files are open for writing) reaches them.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox, payloads
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import TimelineEvent
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
DISK_MIB = 24
MOST_MESSAGES = 400  # sent while full before giving up on a refusal
WAIT = 30.0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of DISK_MIB, mounted for this test only."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MIB}m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path) -> Path:
    """Write a file until the disk has no room left; the file, to free the room again."""
    filler = disk / "filler"
    block = b"\0" * (64 * 1024)
    with filler.open("wb") as out:
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    return filler


class Slack:
    """Channel messages as Slack delivers them, each with its own event id, so what was
    refused can be delivered again as Slack's retry."""

    def __init__(self, sandbox: Sandbox, driver: Driver) -> None:
        self.sb, self.driver = sandbox, driver
        self.sent: list[tuple[str, str, dict[str, Any]]] = []  # (event id, ts, event)

    def post(self, user: str, text: str) -> tuple[str, int]:
        message = self.sb.slack.post_as_user(CHANNEL, user, text)
        with self.sb.slack.lock:
            event = payloads.message_event(self.sb.slack, CHANNEL, message)
        event_id = f"Ev0FULL{len(self.sent):06d}"
        self.sent.append((event_id, message["ts"], event))
        return message["ts"], self.driver.deliver_event(event, event_id=event_id).status_code

    def retry(self, event_ids: set[str], attempt: int) -> list[int]:
        return [
            self.driver.deliver_event(event, event_id=event_id, retry_num=attempt).status_code
            for event_id, _, event in self.sent
            if event_id in event_ids
        ]


def _healthz(bot: BotProcess) -> int:
    return httpx.get(f"{bot.url}/healthz", timeout=10.0).status_code


def _rows(db: sessionmaker[Session], ts: str) -> int:
    with db() as session:
        query = select(func.count()).select_from(TimelineEvent)
        return session.scalar(query.where(TimelineEvent.source_key == f"{CHANNEL}:{ts}")) or 0


def _manual(db: sessionmaker[Session]) -> list[str]:
    with db() as session:
        return list(
            session.scalars(select(TimelineEvent.text).where(TimelineEvent.source == "manual"))
        )


def test_with_the_disk_full_messages_get_503_and_slacks_retries_apply_once_after(
    sandbox: Sandbox, small_disk: Path
) -> None:
    database_url = f"sqlite:///{small_disk}/bot.db"
    settings = {"INBOX_WORKERS": "1"}
    with running_bot(sandbox, database_url=database_url, extra_env=settings) as bot:
        driver = Driver(bot.url, bot.signing_secret, sandbox, bot.pagerduty_secret)
        assert driver.slash_command(ALICE, CHANNEL, "start Checkout 500s").status_code == 200
        sandbox.wait_for(
            lambda: any(m.get("bot_id") for m in sandbox.slack.messages(CHANNEL)), timeout=WAIT
        )
        slack = Slack(sandbox, driver)
        filler = _fill(small_disk)

        answers: dict[str, int] = {}
        words = "the error rate is still climbing on every checkout node " * 40
        for n in range(MOST_MESSAGES):
            ts, status = slack.post(BOB, f"{n}: {words}")
            answers[ts] = status
            if status != 200:
                break
        refused = {event_id for event_id, ts, _ in slack.sent if answers[ts] != 200}
        assert refused and set(answers.values()) <= {200, 503}, "full: refused with a 503"
        assert _healthz(bot) == 503, "not ready while writes fail"
        command = driver.slash_command(ALICE, CHANNEL, "event yesterday 23:30 while full")
        assert command.status_code == 503 and "x-slack-no-retry" not in command.headers

        filler.unlink()
        sandbox.wait_for(lambda: _healthz(bot) == 200, timeout=WAIT)
        engine = make_engine(database_url)
        db = make_sessionmaker(engine)
        try:
            kept = [ts for ts, status in answers.items() if status == 200]
            assert all(_rows(db, ts) == 1 for ts in kept), "what was answered 200 was kept"
            lost = [ts for event_id, ts, _ in slack.sent if event_id in refused]
            assert all(_rows(db, ts) == 0 for ts in lost), "a 503 stored nothing"
            assert slack.retry(refused, 1) == [200] * len(refused)
            assert slack.retry(refused, 2) == [200] * len(refused), "a duplicate retry"
            assert all(_rows(db, ts) == 1 for ts in answers), "each message once"
            assert "while full" not in " ".join(_manual(db)), "Slack does not retry a command"
        finally:
            engine.dispose()
