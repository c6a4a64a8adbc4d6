"""Driving the sandbox by hand: `postmortem-bot sandbox` and its say/slash/react/... commands.

Everything is a real process, as a person would run it: the sandbox
(`postmortem-bot sandbox --port P --bot-url U`), the bot (`postmortem-bot serve`
with the environment the sandbox prints), and each command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.sandbox.bot_process import free_port, running_bot, without_settings

TS_LINE = re.compile(r"^(\d{10}\.\d{6})  \[\d\d:\d\d\] (\w+): (.*)$")


@dataclass(frozen=True)
class HandSandbox:
    url: str
    bot_url: str
    banner: str


def hand(sandbox_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`postmortem-bot sandbox ACTION ...` against the sandbox at `sandbox_url`."""
    action, rest = args[0], args[1:]
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", action, "--sandbox-url", sandbox_url, *rest],
        env=without_settings(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(sandbox_url: str, *args: str) -> str:
    done = hand(sandbox_url, *args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def refused(sandbox_url: str, *args: str) -> str:
    """The one line a refused command prints; it exits 2 without a traceback."""
    done = hand(sandbox_url, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


def messages(listing: str) -> list[tuple[str, str, str]]:
    """(ts, who, first line of text) of each message `show` printed."""
    return [m.groups() for m in map(TS_LINE.match, listing.splitlines()) if m]  # type: ignore[misc]


def show_until(sandbox_url: str, expected: str, *args: str, timeout: float = 30.0) -> str:
    """`show` (with `args`) until its listing has `expected`; the listing."""
    deadline = time.monotonic() + timeout
    while True:
        listing = ok(sandbox_url, "show", *args)
        if expected in listing:
            return listing
        if time.monotonic() > deadline:
            raise AssertionError(f"{expected!r} never showed up:\n{listing}")
        time.sleep(0.3)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[HandSandbox]:
    port, bot_port = free_port(), free_port()
    bot_url = f"http://127.0.0.1:{bot_port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port), "--bot-url", bot_url],
        cwd=tmp_path,
        env=without_settings(os.environ),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = ""
        for line in process.stdout:
            banner += line
            if "Press Ctrl-C" in line:
                break
        assert process.poll() is None, banner
        yield HandSandbox(f"http://127.0.0.1:{port}", bot_url, banner)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def bot(sandbox: HandSandbox) -> Iterator[None]:
    port = int(sandbox.bot_url.rsplit(":", 1)[1])
    with running_bot(sandbox.url, port=port):
        yield


def test_the_banner_gives_the_bots_environment_and_the_commands(sandbox: HandSandbox) -> None:
    exports = dict(
        line.strip().removeprefix("export ").split("=", 1)
        for line in sandbox.banner.splitlines()
        if line.strip().startswith("export ")
    )

    assert exports["SLACK_API_URL"] == f"{sandbox.url}/api/"
    assert exports["PAGERDUTY_API_URL"] == f"{sandbox.url}/pagerduty"
    assert exports["PORT"] == sandbox.bot_url.rsplit(":", 1)[1]
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PAGERDUTY_API_TOKEN"} <= set(exports)
    assert {"PAGERDUTY_WEBHOOK_SECRET", "DATABASE_URL"} <= set(exports)
    for command in ("migrate", "serve", "sandbox slash --as alice", "sandbox show"):
        assert f"postmortem-bot {command}" in sandbox.banner


@pytest.mark.usefixtures("bot")
def test_a_post_mortem_started_and_answered_by_hand(sandbox: HandSandbox) -> None:
    url = sandbox.url
    started = ok(url, "slash", "--as", "alice", "/postmortem start Checkout errors")
    assert started.startswith("alice: /postmortem start Checkout errors\n")
    assert "the bot answered HTTP 200" in started

    listing = show_until(url, "Checkout errors")
    opening = next(m for m in messages(listing) if m[1] == "bot")

    said = ok(url, "say", "--as", "bob", "Rolled back deploy 2024.06.1")
    bobs_ts = re.search(r"\[ts (\d+\.\d+)\]", said).group(1)  # type: ignore[union-attr]
    ok(url, "react", "--as", "bob", bobs_ts, "pushpin")
    listing = ok(url, "show")
    assert (bobs_ts, "bob", "Rolled back deploy 2024.06.1") in messages(listing)
    assert "(:pushpin: 1)" in listing

    ok(url, "reply", "--as", "carmen", opening[0], "Checkout returned 5xx for 17 minutes")
    thread = show_until(url, "*Impact.*", "--thread", opening[0])
    assert "carmen: Checkout returned 5xx for 17 minutes" in thread


def test_a_command_without_a_running_sandbox_is_one_line_and_exit_2() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"

    line = refused(nowhere, "say", "--as", "alice", "anyone there?")

    assert f"no sandbox answers at {nowhere}" in line


def test_people_buttons_and_messages_that_are_not_there_are_one_line(
    sandbox: HandSandbox,
) -> None:
    assert "no person 'zoe'" in refused(sandbox.url, "say", "--as", "zoe", "hello")
    assert "alice, bob, carmen, daisuke" in refused(sandbox.url, "say", "--as", "zoe", "hi")
    assert "no button 'nope'" in refused(sandbox.url, "click", "--as", "alice", "nope")
    assert "no message 1.000001" in refused(
        sandbox.url, "react", "--as", "bob", "1.000001", "pushpin"
    )
    assert "no channel '#nowhere'" in refused(sandbox.url, "show", "--channel", "#nowhere")


def test_a_bot_that_is_not_running_is_one_line_and_the_message_stays(
    sandbox: HandSandbox,
) -> None:
    line = refused(sandbox.url, "say", "--as", "alice", "is the bot up?")

    assert f"the bot does not answer at {sandbox.bot_url}" in line
    assert ("alice", "is the bot up?") in [(m[1], m[2]) for m in messages(ok(sandbox.url, "show"))]
    assert httpx.get(f"{sandbox.url}/healthz").status_code == 200


def test_a_bot_on_socket_mode_is_driven_by_hand_over_the_websocket(sandbox: HandSandbox) -> None:
    """The banner's SLACK_APP_TOKEN: the bot connects to the sandbox's Socket Mode, and
    the people's commands go to it there."""
    assert "export SLACK_APP_TOKEN=xapp-" in sandbox.banner
    port = int(sandbox.bot_url.rsplit(":", 1)[1])
    with running_bot(sandbox.url, port=port, socket_mode=True):
        helped = ok(sandbox.url, "slash", "--as", "alice", "/postmortem help")
        assert "the bot acknowledged over Socket Mode in " in helped
        assert "(only alice sees)" in helped and "/postmortem start" in helped
        ok(sandbox.url, "slash", "--as", "alice", "/postmortem start Checkout errors")
        show_until(sandbox.url, "Checkout errors")
