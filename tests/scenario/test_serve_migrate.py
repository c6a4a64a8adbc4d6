"""`postmortem-bot serve --migrate`, as the Docker image starts it: on a brand-new
SQLite file the real bot brings the schema up to date and serves; on a restart it
finds the schema current and serves again; a bad setting stops it before the
database is touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import (
    BotProcess,
    bot_environment,
    free_port,
    stop,
    wait_until_healthy,
)
from storage import schema
from storage.db import make_engine

SERVE_MIGRATE = [sys.executable, "-m", "bot", "serve", "--migrate", "--host", "127.0.0.1"]


@contextmanager
def _serving(sandbox: Sandbox, database_url: str, log_path: Path) -> Iterator[str]:
    """Start `serve --migrate`, wait for /healthz 200, yield the bot's URL; stop it after."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            SERVE_MIGRATE,
            env=bot_environment(sandbox, database_url, port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    bot = BotProcess(url, database_url, "", "", process, log_path, workdir=log_path.parent)
    try:
        wait_until_healthy(bot, timeout=30)
        yield bot.url
    finally:
        stop(process)


def _revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        return schema.current_revision(engine)
    finally:
        engine.dispose()


def test_serve_with_migrate_brings_an_empty_database_up_and_serves(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/fresh.db"
    log_path = tmp_path / "bot.log"
    with _serving(sandbox, database_url, log_path) as url:
        health = httpx.get(f"{url}/healthz").json()
        assert (health["ok"], health["database"]) == (True, "ok")
        assert _revision(database_url) == schema.head_revision()
    assert f"database schema: empty -> {schema.head_revision()}" in log_path.read_text()


def test_serve_with_migrate_restarts_on_a_current_database_and_serves_again(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/kept.db"
    head = schema.head_revision()
    with _serving(sandbox, database_url, tmp_path / "first.log"):
        pass
    with _serving(sandbox, database_url, tmp_path / "second.log") as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert f"database schema: {head} -> {head}" in (tmp_path / "second.log").read_text()


def test_serve_with_migrate_and_a_missing_token_leaves_the_database_alone(
    tmp_path: Path,
) -> None:
    database = tmp_path / "untouched.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_"))}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    result = subprocess.run(
        SERVE_MIGRATE, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.startswith("postmortem-bot: SLACK_BOT_TOKEN: missing")
    assert not database.exists()
