"""Starting the bot wrong: one line that names the problem, exit status 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    result = _run("serve", tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "postmortem-bot: SLACK_BOT_TOKEN: missing; set the bot token (xoxb-…) or "
        "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET"
    ]


def test_serve_on_an_unmigrated_database_points_to_migrate(tmp_path: Path) -> None:
    result = _run(
        "serve",
        tmp_path=tmp_path,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        DATABASE_URL=f"sqlite:///{tmp_path}/new.db",
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "run `postmortem-bot migrate`" in result.stderr


def test_a_malformed_setting_is_named_for_any_command(tmp_path: Path) -> None:
    result = _run("migrate", tmp_path=tmp_path, PORT="abc")
    assert result.returncode == 2
    assert result.stderr == "postmortem-bot: PORT: 'abc' is not a port number (1-65535)\n"


def test_migrate_then_serve_check_passes_the_schema(tmp_path: Path) -> None:
    result = _run("migrate", tmp_path=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/bot.db")
    assert result.returncode == 0, result.stderr
    assert "database schema: empty -> " in result.stdout
