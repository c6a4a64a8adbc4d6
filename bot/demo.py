"""`postmortem-bot demo`: a scripted incident, played offline against the bundled sandbox.

The bot under demonstration is the real `serve` process; the sandbox stands
in for Slack and PagerDuty, and the driver plays the people in the channel.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import running_bot
from bot.sandbox.demo import PEOPLE, seed_demo_workspace
from bot.sandbox.driver import Driver
from bot.slack.text import ts_to_datetime

NAMES = {user_id: name for user_id, name, _, _ in PEOPLE}


def run(out: TextIO) -> int:
    with Sandbox(rate_window_seconds=1.0) as sandbox:
        seeded = seed_demo_workspace(sandbox)
        channel = seeded["channel"]
        say = _Printer(out, sandbox)
        say.heading(f"An incident in #{sandbox.slack.channel(channel).name}, so far")
        say.messages(channel, sandbox.slack.messages(channel))
        with (
            running_bot(sandbox) as bot,
            Driver(bot_url=bot.url, signing_secret=bot.signing_secret, sandbox=sandbox) as driver,
        ):
            say.heading(f"The bot is serving at {bot.url}")
            _play(driver, sandbox, say, channel)
    return 0


def _play(driver: Driver, sandbox: Sandbox, say: _Printer, channel: str) -> None:
    say.command("alice", "/postmortem help")
    say.ack(driver.slash_command("U0ALICE", channel, "help"))

    command = "start --severity P2 Checkout 5xx after deploy 2024.06.1"
    say.command("alice", f"/postmortem {command}")
    say.ack(driver.slash_command("U0ALICE", channel, command))
    opening = sandbox.wait_for(lambda: _from_bot(sandbox.slack.messages(channel)))
    say.heading("The bot posted in the channel")
    say.messages(channel, opening)

    say.command("bob", "/postmortem start")
    say.ack(driver.slash_command("U0BOB", channel, "start"))
    answer = sandbox.wait_for(lambda: sandbox.slack.responses)[-1]
    say.line(f"  (only bob sees) {answer['body']['text']}")


def _from_bot(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("bot_id")]


class _Printer:
    def __init__(self, out: TextIO, sandbox: Sandbox) -> None:
        self.out, self.sandbox = out, sandbox

    def line(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def heading(self, text: str) -> None:
        self.line()
        self.line(f"== {text}")

    def command(self, who: str, text: str) -> None:
        self.line(f"\n{who} types: {text}")
        self._started = time.monotonic()

    def ack(self, response: Any) -> None:
        elapsed_ms = (time.monotonic() - self._started) * 1000
        self.line(f"  Slack got HTTP {response.status_code} in {elapsed_ms:.0f} ms")
        if response.headers.get("content-type", "").startswith("application/json"):
            for text_line in response.json().get("text", "").splitlines():
                self.line(f"  (only you see) {text_line}")

    def messages(self, channel: str, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            at = ts_to_datetime(message["ts"]).strftime("%H:%M UTC")
            who = (
                "Postmortem (bot)" if message.get("bot_id") else NAMES.get(message.get("user"), "?")
            )
            self.line(f"  [{at}] {who}: {_plain(message)}")


def _plain(message: dict[str, Any]) -> str:
    texts = [message.get("text", "")]
    for block in message.get("blocks") or []:
        if block.get("type") in ("section", "header"):
            texts.append(block["text"]["text"])
        if block.get("type") == "context":
            texts.extend(element.get("text", "") for element in block["elements"])
    return "\n      ".join(t for t in texts[1:] or texts if t)
