"""`postmortem-bot demo` as a person runs it: a real process, in a folder of theirs.

It must not pick up the caller's bot settings (a `.env` there, or the shell's
environment), and a stop signal must take its child bot and temp folder with it.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import SETTING_NAMES
from bot.sandbox import serve_forever

# Each would break the demo's bot if it got through: a Socket Mode token, other
# workspaces' credentials, unreachable URLs, malformed values.
SOME_VALUES = {
    "SLACK_APP_TOKEN": "xapp-1-from-the-shell",
    "SLACK_BOT_TOKEN": "xoxb-a-real-workspace",
    "SLACK_CLIENT_ID": "1234.5678",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
    "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/prod",
    "PAGERDUTY_API_URL": "http://127.0.0.1:9",
    "TEMPLATES_DIR": "/nonexistent/templates",
    "PORT": "1",
    "KEY_REACTION": "star",
    "LOG_LEVEL": "NOISY",
}
CALLERS_SETTINGS = {name: SOME_VALUES.get(name, "bogus") for name in (*SETTING_NAMES, "LOG_LEVEL")}
SERVING = "The bot is serving at "


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The caller's folder: a `.env` that would turn the bot into Socket Mode."""
    home = tmp_path / "project"
    home.mkdir()
    (home / ".env").write_text(
        "SLACK_APP_TOKEN=xapp-1-bogus\nSLACK_BOT_TOKEN=xoxb-from-dotenv\nPORT=2\n"
    )
    return home


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    temp = tmp_path / "tmp"
    temp.mkdir()
    return {**os.environ, **CALLERS_SETTINGS, "TMPDIR": str(temp)}


def scratch_folders(environ: dict[str, str]) -> list[Path]:
    return sorted(Path(environ["TMPDIR"]).glob("postmortem-bot-*"))


def test_the_demo_ignores_the_callers_dotenv_and_settings(
    folder: Path, environ: dict[str, str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "*The interview is complete.*" in done.stdout
    assert "attached this timeline line to *F1* as evidence" in done.stdout
    assert "(evidence: " in done.stdout.split("The published report", 1)[1]
    assert_tickets_filed_and_one_closed(done.stdout)
    assert scratch_folders(environ) == []


def assert_tickets_filed_and_one_closed(stdout: str) -> None:
    """With the channel naming Jira project OPS, AI-002's Create ticket button filed it
    there, assigned to Alice by her Atlassian email; back on GitHub, publishing filed the
    other item as a GitHub issue, and closing it there sent the webhook that marked AI-001
    done, so next week's digest has only AI-002."""
    jira = stdout.split("The channel names a Jira project (OPS)", 1)[1]
    jira = jira.split("/postmortem tracker github acme/checkout", 1)[0]
    assert "now become issues in Jira project `OPS`" in jira
    assert "AI-002 → OPS-1" in jira
    assert "Jira OPS-1 AI-002: add pool-size validation" in jira
    assert "due 2026-" in jira and "priority Medium" in jira
    assert "assignee 5b10ac8d82e05b22cc7d4ef5" in jira and "/jira/browse/OPS-1" in jira
    tickets = stdout.split("Publishing filed the item without a ticket in GitHub Issues", 1)[1]
    assert "#1 AI-001: add a DB pool saturation alert" in tickets
    assert "AI-002" not in tickets.split("Someone closes", 1)[0], "filed once, in Jira"
    assert "[post-mortem" in tickets and "/acme/checkout/issues/1" in tickets
    assert "the bot answered GitHub HTTP 200" in tickets
    assert "AI-001 is done: its ticket was closed" in tickets
    assert "You have 1 open action item(s): AI-002" in tickets
    assert "digests (dry run): 1 would send" in tickets


def test_the_demo_plays_through_over_socket_mode(folder: Path, environ: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--socket-mode"],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert ", Slack over Socket Mode" in done.stdout
    assert "Slack got the bot's acknowledgement in " in done.stdout
    assert "Slack got HTTP" not in done.stdout, "no Slack request went over HTTP"
    assert "*The interview is complete.*" in done.stdout
    assert_tickets_filed_and_one_closed(done.stdout)
    assert scratch_folders(environ) == []


@pytest.fixture
def demo(folder: Path, environ: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo"],
        cwd=folder,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as in a terminal
    )
    yield process
    if process.poll() is None:  # the test failed: take its bot along
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_the_bot(demo: subprocess.Popen[str]) -> str:
    """Read the demo's output until the bot is up; the bot's URL."""
    assert demo.stdout is not None
    for line in demo.stdout:
        if SERVING in line:
            return line.split(SERVING, 1)[1].strip()
    raise AssertionError(f"the demo ended before its bot was up: {demo.wait()}")


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize(
    ("signum", "status", "to_the_group"),
    [
        (signal.SIGTERM, 143, False),  # `kill PID`
        (signal.SIGINT, 130, False),
        (signal.SIGINT, 130, True),  # Ctrl-C in a terminal: the bot gets it too
        (signal.SIGHUP, 129, False),
    ],
)
def test_a_stop_signal_stops_the_bot_and_removes_the_temp_folder(
    demo: subprocess.Popen[str],
    environ: dict[str, str],
    signum: int,
    status: int,
    to_the_group: bool,
) -> None:
    bot_url = wait_for_the_bot(demo)
    bots = children_of(demo.pid)
    assert bots and len(scratch_folders(environ)) == 1

    began = time.monotonic()
    if to_the_group:
        os.killpg(demo.pid, signum)
    else:
        demo.send_signal(signum)
    _, stderr = demo.communicate(timeout=20)

    assert demo.returncode == status
    assert time.monotonic() - began < 15
    assert "Traceback" not in stderr, stderr
    assert not any(is_running(pid) for pid in bots)
    assert scratch_folders(environ) == []
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{bot_url}/healthz", timeout=1.0)


def test_the_sandbox_command_serves_github_and_jira_and_says_how_to_reach_them() -> None:
    screen, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=serve_forever, kwargs={"print_to": screen, "until": stop})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "Ctrl-C" not in screen.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        settings = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in screen.getvalue().splitlines()
            if line.strip().startswith("export ")
        )
        issues = httpx.get(
            f"{settings['GITHUB_API_URL']}/repos/{settings['GITHUB_REPOSITORY']}/issues",
            headers={"Authorization": f"Bearer {settings['GITHUB_TOKEN']}"},
        )
        people = httpx.get(
            f"{settings['JIRA_URL']}/rest/api/3/user/search",
            params={"query": "alice@acme.example"},
            auth=(settings["JIRA_EMAIL"], settings["JIRA_API_TOKEN"]),
        )
    finally:
        stop.set()
        thread.join(timeout=5)

    assert "GitHub Issues at http://" in screen.getvalue()
    assert {"GITHUB_WEBHOOK_SECRET", "JIRA_PROJECT", "JIRA_WEBHOOK_SECRET"} <= set(settings)
    assert (issues.status_code, issues.json()) == (200, [])
    assert people.status_code == 200 and people.json()[0]["accountId"]
