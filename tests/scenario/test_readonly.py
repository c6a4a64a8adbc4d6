"""SQLite that cannot take a write (issue 11): the real `serve` on a SQLite file whose disk
fills up, or turns read-only, while it runs answers 503, not 200, and `/healthz` is not
ready; once the disk is usable again, Slack's retries of what was refused are applied,
each once.

The disks are real ones the test mounts (so it needs root, and is skipped without it);
nothing in the bot is told or hooked, SQLite meets the kernel's own errors:
- full: a small tmpfs, filled with a file until the kernel says ENOSPC. The WAL may still
  have room for a few commits then, so messages are sent until one is refused; each
  answered 200 before it must be stored, each refused one only once Slack sends it again;
  deleting the file makes room while `serve` runs;
- read-only: an ext4 image on a loop device, mounted `errors=remount-ro`, then given a
  filesystem error (ext4's own `trigger_fs_error`): the kernel remounts it read-only under
  the running process, as it does when a disk fails. chmod would not do (root writes
  anyway, and open connections keep their read-write handles) nor would a read-only
  remount (refused while files are open for writing). Such a filesystem comes back only
  after e2fsck and a new mount, so `serve` is restarted on it, and Slack's retries go
  to the restarted one.
"""

from __future__ import annotations

import errno
import gc
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
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


@pytest.fixture
def ext4_disk(tmp_path: Path) -> Iterator[Ext4Disk]:
    """An ext4 image on a loop device, mounted `errors=remount-ro`, for this test only."""
    if os.geteuid() != 0:
        pytest.skip("a loop device needs root")
    image = tmp_path / "disk.img"
    with image.open("wb") as out:
        out.truncate(DISK_MIB * 1024 * 1024)
    attached = _run("losetup", "--find", "--show", str(image))
    if attached.returncode != 0:
        pytest.skip(f"no loop device here: {attached.stderr.strip()}")
    disk = Ext4Disk(attached.stdout.strip(), tmp_path / "ext4")
    disk.mount_point.mkdir()
    try:
        _run("blockdev", "--setrw", disk.device)  # a loop device reused from a setro
        assert _run("mkfs.ext4", "-q", "-F", disk.device).returncode == 0
        disk.mount()
        yield disk
    finally:
        _run("umount", "-l", str(disk.mount_point))
        _run("losetup", "--detach", disk.device)


@dataclass(frozen=True)
class Ext4Disk:
    device: str
    mount_point: Path

    def mount(self) -> None:
        mounted = _run("mount", "-o", "errors=remount-ro", self.device, str(self.mount_point))
        assert mounted.returncode == 0, mounted.stderr

    def fail(self) -> None:
        """A filesystem error: ext4 aborts its journal and turns read-only at once."""
        name = Path(self.device).name
        Path(f"/sys/fs/ext4/{name}/trigger_fs_error").write_text("scenario: disk failing\n")

    def read_only(self) -> bool:
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if fields[1] == str(self.mount_point):
                options = fields[3].split(",")
                return "ro" in options or "emergency_ro" in options
        return False

    def repair(self) -> None:
        """What an operator does: unmount, e2fsck, mount again."""
        # running_bot's migration engine is dropped unclosed; its connections go with it.
        gc.collect()
        unmounted = _run("umount", str(self.mount_point))
        assert unmounted.returncode == 0, unmounted.stderr
        checked = _run("e2fsck", "-f", "-y", self.device)
        assert checked.returncode in (0, 1), checked.stdout + checked.stderr  # 1: fixed
        self.mount()


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


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


def _open_postmortem(sandbox: Sandbox, bot: BotProcess) -> Driver:
    """`/postmortem start` in the channel, once its opening message is posted."""
    driver = Driver(bot.url, bot.signing_secret, sandbox, bot.pagerduty_secret)
    assert driver.slash_command(ALICE, CHANNEL, "start Checkout 500s").status_code == 200
    sandbox.wait_for(
        lambda: any(m.get("bot_id") for m in sandbox.slack.messages(CHANNEL)), timeout=WAIT
    )
    return driver


def test_with_the_disk_full_messages_get_503_and_slacks_retries_apply_once_after(
    sandbox: Sandbox, small_disk: Path
) -> None:
    database_url = f"sqlite:///{small_disk}/bot.db"
    settings = {"INBOX_WORKERS": "1"}
    with running_bot(sandbox, database_url=database_url, extra_env=settings) as bot:
        driver = _open_postmortem(sandbox, bot)
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


def test_with_the_disk_turned_read_only_messages_get_503_and_slacks_retries_apply_once(
    sandbox: Sandbox, ext4_disk: Ext4Disk
) -> None:
    database_url = f"sqlite:///{ext4_disk.mount_point}/bot.db"
    settings = {"INBOX_WORKERS": "1"}
    with running_bot(sandbox, database_url=database_url, extra_env=settings) as bot:
        driver = _open_postmortem(sandbox, bot)
        slack = Slack(sandbox, driver)
        before, status = slack.post(BOB, "Error rate at 12% on checkout")
        assert status == 200

        ext4_disk.fail()
        assert ext4_disk.read_only()
        refused = [slack.post(BOB, f"Still failing, attempt {n}") for n in range(5)]
        assert [status for _, status in refused] == [503] * 5, "read-only: refused"
        assert _healthz(bot) == 503, "not ready while writes fail"
        command = driver.slash_command(ALICE, CHANNEL, "event yesterday 23:30 while read-only")
        assert command.status_code == 503 and "x-slack-no-retry" not in command.headers

    ext4_disk.repair()
    with running_bot(sandbox, database_url=database_url, extra_env=settings) as bot:
        driver = Driver(bot.url, bot.signing_secret, sandbox, bot.pagerduty_secret)
        slack.driver = driver
        retried = {event_id for event_id, ts, _ in slack.sent if ts != before}
        assert slack.retry(retried, 1) == [200] * len(retried)
        assert slack.retry(retried, 2) == [200] * len(retried), "a duplicate retry"
        engine = make_engine(database_url)
        db = make_sessionmaker(engine)
        try:
            assert _rows(db, before) == 1, "what was answered 200 before survived"
            assert all(_rows(db, ts) == 1 for ts, _ in refused), "each retry applied once"
            assert "while read-only" not in " ".join(_manual(db))
        finally:
            engine.dispose()
