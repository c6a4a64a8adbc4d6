"""Run the real bot (`postmortem-bot serve`) as a child process pointed at a sandbox.

The demo and the integration tests use this: the bot under test is the same
program a deployment runs, configured only through its environment. It runs in
a temp folder of its own, with none of the caller's bot settings: a `.env` in
the caller's folder or a `SLACK_APP_TOKEN` in the caller's shell does not reach it.
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
from typing import Any

import httpx

from bot.config import SETTING_NAMES
from bot.sandbox import stopping
from bot.sandbox.pagerduty_api import PagerDutyState
from bot.sandbox.slack_api import APP_TOKEN
from bot.sandbox.slack_state import SlackWorkspace
from bot.transaction_guard import calls_in_transaction
from storage import schema
from storage.db import make_engine

SIGNING_SECRET = "sandbox-signing-secret"
PAGERDUTY_SECRET = "sandbox-pagerduty-secret"
# What the child bot must not inherit: every setting (LOG_LEVEL too), and anything
# else under the Slack and PagerDuty prefixes.
STRIPPED_NAMES = frozenset((*SETTING_NAMES, "LOG_LEVEL"))
STRIPPED_PREFIXES = ("SLACK_", "PAGERDUTY_")


@dataclass(frozen=True)
class BotProcess:
    url: str
    database_url: str
    signing_secret: str
    pagerduty_secret: str
    process: subprocess.Popen[bytes]
    log_path: Path
    workdir: Path  # the bot's working directory (a temp folder), where its log is

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sandbox_settings(sandbox: Any) -> dict[str, str]:
    """The settings pointing a bot at `sandbox` (a running Sandbox, or the base URL of one)."""
    base = (sandbox if isinstance(sandbox, str) else sandbox.base_url).rstrip("/")
    return {
        "SLACK_API_URL": f"{base}/api/",
        "SLACK_BOT_TOKEN": SlackWorkspace.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PAGERDUTY_API_URL": f"{base}/pagerduty",
        "PAGERDUTY_API_TOKEN": PagerDutyState.token,
        "PAGERDUTY_WEBHOOK_SECRET": PAGERDUTY_SECRET,
    }


def without_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` less every bot setting."""
    return {
        k: v
        for k, v in environ.items()
        if k not in STRIPPED_NAMES and not k.startswith(STRIPPED_PREFIXES)
    }


def bot_environment(sandbox: Any, database_url: str, port: int) -> dict[str, str]:
    """The process environment, less every bot setting, plus the sandbox's."""
    env = without_settings(os.environ)
    env.update(sandbox_settings(sandbox), DATABASE_URL=database_url, PORT=str(port))
    return env


@contextmanager
def running_bot(
    sandbox: Any,
    *,
    database_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    start_timeout: float = 30.0,
    port: int | None = None,
    socket_mode: bool = False,
) -> Iterator[BotProcess]:
    """Migrate the database, start `serve`, wait for /healthz; stop the bot on exit, and
    then fail if its log says it made a network call inside a database transaction.

    `sandbox` is a running Sandbox or the base URL of one (e.g. `postmortem-bot sandbox`'s);
    the bot listens on `port` (default: a free one) and works in a temp folder. With
    `socket_mode` it takes Slack's requests over Socket Mode (the sandbox's app-level
    token, no signing secret) and serves HTTP only for PagerDuty, pages and /healthz.
    """
    with stopping.held():  # a stop signal waits until the child is known, then stops it
        scratch = tempfile.TemporaryDirectory(prefix="postmortem-bot-")
    with scratch as workdir:
        database_url = database_url or f"sqlite:///{workdir}/bot.db"
        schema.upgrade(make_engine(database_url))
        port = port or free_port()
        env = {**bot_environment(sandbox, database_url, port), **(extra_env or {})}
        if socket_mode:
            env["SLACK_APP_TOKEN"] = APP_TOKEN
            env.pop("SLACK_SIGNING_SECRET", None)
        with stopping.held():
            bot = _start(Path(workdir), env, database_url, port)
        try:
            wait_until_healthy(bot, start_timeout)
            yield bot
        finally:
            stop(bot.process)
        _no_calls_in_transaction(bot)


def _start(workdir: Path, env: dict[str, str], database_url: str, port: int) -> BotProcess:
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    return BotProcess(
        url, database_url, SIGNING_SECRET, PAGERDUTY_SECRET, process, log_path, workdir
    )


def _no_calls_in_transaction(bot: BotProcess) -> None:
    """Fail the run that ended well if the bot called Slack, PagerDuty or a tracker while
    it held a database transaction (`bot.transaction_guard` logged it): every scenario
    test checks the rule so, the ones that kill the bot too."""
    inside = calls_in_transaction(bot.log())
    if inside:
        raise AssertionError("network calls inside a database transaction:\n" + "\n".join(inside))


def wait_until_healthy(bot: BotProcess, timeout: float) -> None:
    """Until /healthz answers 200; RuntimeError with the bot's log if it exits or times out."""
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


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
