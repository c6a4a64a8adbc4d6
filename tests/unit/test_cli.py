"""Starting the bot wrong: one line that names the problem, exit status 2, no traceback."""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import sessionmaker

from bot.app import build_app
from bot.cli import DESCRIPTION, _parser
from bot.config import SETTING_NAMES, Settings, forget_environment
from bot.sandbox import Sandbox
from bot.sandbox.slack_api import APP_TOKEN
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import utcnow
from storage.repositories import inbox

UNREACHABLE_DATABASES = [
    "postgresql+psycopg://postgres@127.0.0.1:1/x",
    "postgresql+psycopg://u@no-such-host.invalid/x",
]


def _clean_environment() -> dict[str, str]:
    """The test's environment without any bot setting a developer may have exported."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in SETTING_NAMES and not k.startswith(("SLACK_", "PAGERDUTY_"))
    }


def _run(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = _clean_environment()
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
    assert not (tmp_path / "new.db").exists()


def test_a_malformed_setting_is_named_for_any_command(tmp_path: Path) -> None:
    result = _run("migrate", tmp_path=tmp_path, PORT="abc")
    assert result.returncode == 2
    assert result.stderr == "postmortem-bot: PORT: 'abc' is not a port number (1-65535)\n"


def test_migrate_then_serve_check_passes_the_schema(tmp_path: Path) -> None:
    result = _run("migrate", tmp_path=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/bot.db")
    assert result.returncode == 0, result.stderr
    assert "database schema: empty -> " in result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/bot.db"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return url


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused start (exit 2, no traceback)."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_window_seconds=1.0) as sb:
        yield sb


def _serving_against(sandbox: Sandbox, tmp_path: Path, **env: str) -> dict[str, str]:
    """What `serve` needs to get past its settings, port and database checks."""
    return {
        "SLACK_BOT_TOKEN": sandbox.slack.bot_token,
        "SLACK_SIGNING_SECRET": sandbox.signing_secret,
        "SLACK_API_URL": sandbox.slack_api_url,
        "DATABASE_URL": _migrated(tmp_path),
        "PORT": str(_free_port()),
        **env,
    }


@pytest.mark.parametrize("url", UNREACHABLE_DATABASES)
def test_migrate_says_the_database_cannot_be_reached(url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    line = _one_line(_run("migrate", tmp_path=tmp_path, DATABASE_URL=url))
    assert line.startswith(f"postmortem-bot: cannot connect to the database at {url} (")
    assert "check DATABASE_URL" in line
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("url", UNREACHABLE_DATABASES)
def test_serve_says_the_database_cannot_be_reached(url: str, tmp_path: Path) -> None:
    line = _one_line(
        _run(
            "serve",
            tmp_path=tmp_path,
            DATABASE_URL=url,
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET="s",
            PORT=str(_free_port()),
        )
    )
    assert line.startswith(f"postmortem-bot: cannot connect to the database at {url} (")
    assert "check DATABASE_URL" in line


def test_the_password_in_an_unreachable_database_url_is_not_shown(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/x"
    line = _one_line(_run("migrate", tmp_path=tmp_path, DATABASE_URL=url))
    assert "hunter2" not in line
    assert "postgres:***@127.0.0.1:1/x" in line


def test_serve_says_slack_refused_the_bot_token(sandbox: Sandbox, tmp_path: Path) -> None:
    env = _serving_against(sandbox, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong")
    line = _one_line(_run("serve", tmp_path=tmp_path, **env))
    assert line.startswith("postmortem-bot: Slack refused SLACK_BOT_TOKEN (invalid_auth): ")
    assert "Bot User OAuth Token (xoxb-…)" in line


def test_serve_in_socket_mode_says_slack_refused_the_app_token(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = _serving_against(sandbox, tmp_path, SLACK_APP_TOKEN="xapp-1-wrong")
    del env["SLACK_SIGNING_SECRET"]
    line = _one_line(_run("serve", tmp_path=tmp_path, **env))
    assert line.startswith("postmortem-bot: Slack refused SLACK_APP_TOKEN (invalid_auth): ")
    assert "connections:write" in line
    opened = [call for call in sandbox.slack.calls if call.method == "apps.connections.open"]
    assert [call.error for call in opened] == ["invalid_auth"]


def test_the_sandbox_opens_socket_mode_only_for_its_app_token(sandbox: Sandbox) -> None:
    def open_with(token: str) -> dict[str, object]:
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.post(f"{sandbox.slack_api_url}apps.connections.open", headers=headers).json()

    assert open_with("xapp-1-wrong") == {"ok": False, "error": "invalid_auth"}
    assert open_with(sandbox.slack.bot_token)["error"] == "not_allowed_token_type"
    opened = open_with(APP_TOKEN)
    assert opened["ok"] is True and str(opened["url"]).startswith("ws://127.0.0.1:")


def test_serve_says_it_cannot_reach_slack_not_that_credentials_are_wrong(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    closed = f"http://127.0.0.1:{_free_port()}/api/"
    env = _serving_against(sandbox, tmp_path, SLACK_API_URL=closed)
    line = _one_line(_run("serve", tmp_path=tmp_path, **env))
    assert line.startswith(f"postmortem-bot: cannot reach Slack at {closed} (")
    assert "check SLACK_API_URL and the network" in line
    assert "credentials" not in line and "refused SLACK" not in line


def test_serve_says_the_port_is_in_use_and_creates_no_database(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run(
            "serve",
            "--host",
            "127.0.0.1",
            tmp_path=tmp_path,
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET="s",
            PORT=str(port),
        )
    line = _one_line(result)
    assert line.startswith(f"postmortem-bot: port {port} on 127.0.0.1 is already in use: ")
    assert "set PORT to a free port" in line
    assert not (tmp_path / "postmortem.db").exists()


def test_the_sandbox_says_its_port_is_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("sandbox", "--port", str(port), tmp_path=tmp_path)
    line = _one_line(result)
    assert line.startswith(f"postmortem-bot: port {port} on 127.0.0.1 is already in use: ")
    assert "--port" in line


def test_a_refused_serve_leaves_no_empty_sqlite_file(sandbox: Sandbox, tmp_path: Path) -> None:
    env = _serving_against(sandbox, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong")
    del env["DATABASE_URL"]  # the default, sqlite:///postmortem.db in the working folder
    line = _one_line(_run("serve", tmp_path=tmp_path, **env))
    assert "run `postmortem-bot migrate` first" in line
    assert not (tmp_path / "postmortem.db").exists()


def test_version_comes_from_the_package_metadata(tmp_path: Path) -> None:
    result = _run("--version", tmp_path=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"postmortem-bot {version('postmortem-bot')}\n"


def test_help_is_written_for_users() -> None:
    parser = _parser()
    assert parser.description == DESCRIPTION
    assert "No logic lives here" not in parser.format_help()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("serve", "migrate", "lint", "remind"):
        assert commands.choices[name].description, name
    for owner in (parser, *(commands.choices[n] for n in ("serve", "migrate", "lint", "remind"))):
        for action in owner._actions:
            assert action.help, f"{owner.prog} {action.dest} has no help"


def test_a_normal_start_warns_once_about_public_url_and_not_about_the_token(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = _serving_against(sandbox, tmp_path, LOG_LEVEL="WARNING")
    lines = _log_of_a_start(env, tmp_path)
    assert [(line["level"], line["logger"]) for line in lines] == [("warning", "bot.server")]
    assert (
        "PUBLIC_URL is not set: report links will point at http://localhost:" in (lines[0]["event"])
    )


def _log_of_a_start(env: dict[str, str], tmp_path: Path) -> list[dict[str, str]]:
    """Start `serve`, wait until /healthz answers, stop it; its stderr as JSON lines."""
    command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"]
    with (tmp_path / "stderr").open("w+") as stderr:
        bot = subprocess.Popen(
            command,
            env={**_clean_environment(), **env},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            _wait_until_healthy(bot, f"http://127.0.0.1:{env['PORT']}/healthz")
        finally:
            bot.terminate()
            bot.wait(timeout=10)
        stderr.seek(0)
        return [json.loads(line) for line in stderr.read().splitlines()]


def _wait_until_healthy(bot: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert bot.poll() is None, f"the bot exited with {bot.returncode}"
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("the bot did not become healthy in 30s")


def test_building_the_app_from_the_environment_logs_no_unused_token_warning(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt reads SLACK_BOT_TOKEN from the environment and, beside the client
    build_app gives it, warns that the token "will be unused"; `serve` takes the
    settings out of the environment once they are read."""
    for name in SETTING_NAMES:  # monkeypatch puts back what forget_environment takes
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", sandbox.slack.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", sandbox.signing_secret)
    monkeypatch.setenv("SLACK_API_URL", sandbox.slack_api_url)
    settings = Settings.from_env(env_file="/nonexistent/.env")
    forget_environment()
    assert "SLACK_BOT_TOKEN" not in os.environ
    with caplog.at_level(logging.WARNING):
        build_app(settings, sessions=sessionmaker(make_engine("sqlite://")))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def _dead_letters(url: str) -> list[int]:
    """Two items the bot gave up on and one still waiting; their ids."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    ids = []
    for key, payload, kind in (
        ("1.2.a:run_subcommand", "command=%2Fpostmortem&text=event+14%3A02+rolled+back", "command"),
        ("Ev0DEAD:on_mark", '{"event": {"type": "reaction_added"}}', "event"),
        ("Ev0WAITS:on_mark", '{"event": {"type": "reaction_added"}}', "event"),
    ):
        with sessions.begin() as session:
            inbox.add(
                session,
                source="slack",
                kind=kind,
                delivery_key=key,
                handler=key.split(":")[1],
                payload=payload,
                team_id="T0TEAM",
                now=utcnow(),
            )
    with sessions.begin() as session:
        for item in inbox.claim_next(session, worker="w", now=utcnow(), lease_seconds=60, limit=2):
            inbox.bury(session, item, now=utcnow(), error="gave up after 8 attempts: boom")
            ids.append(item.id)
    engine.dispose()
    return ids


def test_inbox_lists_the_dead_letters_and_retries_or_drops_them(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    retried, dropped = _dead_letters(url)

    listed = _run("inbox", tmp_path=tmp_path, DATABASE_URL=url)
    again = _run("inbox", "retry", str(retried), tmp_path=tmp_path, DATABASE_URL=url)
    gone = _run("inbox", "drop", str(dropped), tmp_path=tmp_path, DATABASE_URL=url)
    after = _run("inbox", "list", tmp_path=tmp_path, DATABASE_URL=url)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "1 pending, 0 claimed, 0 done, 2 dead"
    assert "/postmortem event 14:02 rolled back" in lines[2] and "boom" in lines[2]
    assert lines[3].split()[0] == str(dropped) and "reaction_added (on_mark)" in lines[3]
    assert (
        again.stdout == f"inbox item {retried} is queued again; a running bot picks it up shortly\n"
    )
    assert gone.stdout == f"inbox item {dropped} is dropped for good\n"
    assert after.stdout.splitlines() == ["2 pending, 0 claimed, 0 done, 0 dead", "no dead letters"]


def test_inbox_mistakes_are_one_line(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    _dead_letters(url)

    missing = _one_line(_run("inbox", "retry", "999", tmp_path=tmp_path, DATABASE_URL=url))
    waiting = _one_line(_run("inbox", "drop", "3", tmp_path=tmp_path, DATABASE_URL=url))
    no_id = _one_line(_run("inbox", "retry", tmp_path=tmp_path, DATABASE_URL=url))
    away = _one_line(_run("inbox", tmp_path=tmp_path, DATABASE_URL=UNREACHABLE_DATABASES[0]))

    assert missing == "postmortem-bot: there is no inbox item 999: see `postmortem-bot inbox list`"
    assert waiting == (
        "postmortem-bot: inbox item 3 is pending, not a dead letter: only those can be dropped"
    )
    assert no_id.startswith("postmortem-bot: which item?")
    assert away.startswith("postmortem-bot: cannot connect to the database")


def test_inbox_help_is_written_for_users() -> None:
    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    inbox_parser = commands.choices["inbox"]
    assert inbox_parser.description and "dead letter" in inbox_parser.description
    assert all(action.help for action in inbox_parser._actions)
