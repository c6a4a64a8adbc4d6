"""Run the real bot (`postmortem-bot serve`) as a child process pointed at a sandbox.

The demo and the integration tests use this: the bot under test is the same
program a deployment runs, configured only through its environment.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from storage import schema
from storage.db import make_engine

SIGNING_SECRET = "sandbox-signing-secret"
PAGERDUTY_SECRET = "sandbox-pagerduty-secret"
OWN_SETTINGS = ("SLACK_", "PAGERDUTY_", "DATABASE_URL", "TEMPLATES_DIR", "PORT")


@dataclass(frozen=True)
class BotProcess:
    url: str
    database_url: str
    signing_secret: str
    pagerduty_secret: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_environment(sandbox: object, database_url: str, port: int) -> dict[str, str]:
    """The process environment, less any real Slack settings, plus the sandbox's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    env.update(
        SLACK_BOT_TOKEN=sandbox.slack.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=sandbox.slack_api_url,
        PAGERDUTY_WEBHOOK_SECRET=PAGERDUTY_SECRET,
        PAGERDUTY_API_TOKEN=sandbox.pagerduty.token,
        PAGERDUTY_API_URL=sandbox.pagerduty_api_url,
        DATABASE_URL=database_url,
        PORT=str(port),
    )
    return env


@contextmanager
def running_bot(
    sandbox: object,
    *,
    database_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    start_timeout: float = 30.0,
) -> Iterator[BotProcess]:
    """Migrate the database, start `serve`, wait for /healthz; stop the bot on exit."""
    with tempfile.TemporaryDirectory(prefix="postmortem-bot-") as workdir:
        database_url = database_url or f"sqlite:///{workdir}/bot.db"
        schema.upgrade(make_engine(database_url))
        port = free_port()
        env = {**bot_environment(sandbox, database_url, port), **(extra_env or {})}
        log_path = Path(workdir) / "bot.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        bot = BotProcess(
            f"http://127.0.0.1:{port}",
            database_url,
            SIGNING_SECRET,
            PAGERDUTY_SECRET,
            process,
            log_path,
        )
        try:
            _wait_until_healthy(bot, start_timeout)
            yield bot
        finally:
            _stop(process)


def _wait_until_healthy(bot: BotProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.process.poll() is not None:
            raise RuntimeError(f"the bot exited with {bot.process.returncode}:\n{bot.log()}")
        try:
            if httpx.get(f"{bot.url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the bot did not become healthy in {timeout}s:\n{bot.log()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
