"""`postmortem-bot demo`: a scripted incident, played offline against the bundled sandbox.

The bot under demonstration is the real `serve` process; the sandbox stands in
for Slack and PagerDuty, and the driver plays the people in the channel. The
demo ignores the caller's bot settings and `.env` (the bot runs in a temp
folder), and Ctrl-C, SIGTERM or SIGHUP stop it cleanly: the bot process and the
temp folder go, and the exit status is 128 + the signal number.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import httpx

from bot.core.slack_text import ts_to_datetime
from bot.sandbox import Sandbox, alertmanager_notify, prometheus_api, stopping
from bot.sandbox.bot_process import BotProcess, bot_environment, running_bot
from bot.sandbox.demo import (
    JIRA_PEOPLE,
    JIRA_PROJECT_KEY,
    PEOPLE,
    REPOSITORY,
    Trackers,
    mount_trackers,
    seed_demo_workspace,
)
from bot.sandbox.driver import Driver
from bot.sandbox.reading import readable, visible_text
from bot.slack.interview_blocks import ITEM_TICKET

NAMES = {user_id: name for user_id, name, _, _ in PEOPLE}
ALICE, BOB, CARMEN = "U0ALICE", "U0BOB", "U0CARMEN"
# The demo incident's alert, as Prometheus' stand-in has it in ALERTS (less `alertstate`).
DEMO_ALERT = {"alertname": "CheckoutErrorRate", "service": "checkout", "severity": "page"}
DEMO_ALERT_SAYS = {"summary": "Checkout 5xx above 2%", "description": "error ratio 9% for 1m"}


def run(out: TextIO, *, socket_mode: bool = False) -> int:
    """Play the demo; 0 when it played through, 128 + N when signal N stopped it.
    With `socket_mode` the bot takes Slack's requests over the sandbox's Socket Mode."""
    try:
        with stopping.stop_on_signals():
            return _play_through(out, socket_mode=socket_mode)
    except stopping.Stopped as stop:
        return stop.exit_status


def _play_through(out: TextIO, *, socket_mode: bool) -> int:
    with Sandbox(rate_window_seconds=1.0) as sandbox:
        seeded = seed_demo_workspace(sandbox)
        trackers = mount_trackers(sandbox)
        play = _Play(out, sandbox, seeded["channel"])
        play.heading(f"An incident in #{sandbox.slack.channel(play.channel).name}, so far")
        play.show(sandbox.slack.messages(play.channel))
        with (
            _prometheus_settings(seeded["prometheus"]) as metrics_env,
            running_bot(
                sandbox,
                extra_env={**metrics_env, **trackers.settings, **alertmanager_notify.SETTINGS},
                socket_mode=socket_mode,
            ) as bot,
            Driver(
                bot.url,
                bot.signing_secret,
                sandbox,
                bot.pagerduty_secret,
                socket_mode=socket_mode,
            ) as driver,
        ):
            if socket_mode:
                sandbox.socket_mode.wait_connected()
                play.heading(f"The bot is serving at {bot.url}, Slack over Socket Mode")
                play.line(f"  connected to {sandbox.socket_mode.url}")
            else:
                play.heading(f"The bot is serving at {bot.url}")
            play.driver = driver
            _alerts(play, bot.url)
            _start(play, seeded["incident"])
            _interview(play)
            _jira_ticket(play, trackers)
            _report(play)
            _tickets(play, bot, trackers)
            _follow_up(play, bot, sandbox)
    return 0


@contextmanager
def _prometheus_settings(url: str) -> Iterator[dict[str, str]]:
    """PROMETHEUS_URL at the sandbox's stand-in and the demo's charts in a TOML file that
    lasts as long as the demo."""
    with tempfile.TemporaryDirectory(prefix="postmortem-demo-") as folder:
        charts = Path(folder) / "queries.toml"
        charts.write_text(prometheus_api.DEMO_QUERIES)
        yield {"PROMETHEUS_URL": url, "PROMETHEUS_QUERIES": str(charts)}


def _alerts(play: _Play, bot_url: str) -> None:
    """Alertmanager notified the bot while the incident ran, before anyone started the
    post-mortem: kept, and filed on it when it starts (the same alert as Prometheus'
    ALERTS series, so the report shows it once)."""
    began = ts_to_datetime(play.sandbox.slack.messages(play.channel)[0]["ts"])
    fired, resolved = began + timedelta(minutes=1), began + timedelta(minutes=13)
    play.heading("Alertmanager notified the bot while it happened")
    for ends_at in (None, resolved):
        body = alertmanager_notify.notification(
            DEMO_ALERT, DEMO_ALERT_SAYS, starts_at=fired, ends_at=ends_at
        )
        answer = alertmanager_notify.send(bot_url, body)
        at = ends_at or fired
        play.line(
            f"  POST /alertmanager/webhook: {DEMO_ALERT['alertname']} {body['status']} "
            f"at {at:%H:%M} UTC → {answer.status_code}"
        )


def _start(play: _Play, incident: str) -> None:
    play.command(ALICE, "help")
    play.command(
        ALICE,
        f"start --severity P2 --service checkout {incident} Checkout 5xx after deploy 2024.06.1",
    )
    opening = play.sandbox.wait_for(
        lambda: play.from_bot(play.sandbox.slack.messages(play.channel))
    )
    play.heading("The bot posts in the channel, then asks in its thread")
    play.show(opening)
    play.thread_ts = opening[0]["ts"]
    play.wait_in_thread("*Summary.*")
    play.wait_in_thread("messages", settled=True)
    deploy = play.sandbox.slack.messages(play.channel)[1]
    play.line(f"\nbob reacts :pushpin: to “{deploy['text']}”")
    play.driver.user_reacts(BOB, play.channel, deploy["ts"], "pushpin")
    play.command(BOB, "start")


def _interview(play: _Play) -> None:
    play.heading("The interview, in the thread")
    play.reply(ALICE, "Checkout returned 5xx for 17 minutes after deploy 2024.06.1", "*Impact.*")
    play.reply(BOB, "About 9% of checkouts failed, roughly 1,400 orders", "*Detection.*")
    play.reply(
        CARMEN, "A customer report reached support; no alert fired for 6 minutes", "*Trigger.*"
    )
    play.reply(BOB, "The deploy lowered the checkout DB pool size to 5", "why #1")
    play.reply(ALICE, "The pipeline does not validate pool sizes", "why #2")
    blaming = play.reply(BOB, "Because Carmen forgot to run the config check", "why #3")
    play.wait_in_thread("makes a person the subject", after=blaming["ts"])
    play.edit(blaming, "The config check is a manual step the runbook does not require", "why #3")
    play.reply(ALICE, "The runbook predates the pipeline", "why #4")
    play.reply(CARMEN, "Nobody owns keeping the runbook current", "why #5")
    play.reply(ALICE, "Runbook upkeep is not part of any team's planned work", "5 levels deep")
    play.reply(BOB, "next", "*What went well?*")
    play.reply(CARMEN, "The rollback took 4 minutes once we knew", "*Lessons learned.*")
    play.reply(ALICE, "Validate config values in the pipeline, not by hand", "*Action items.*")
    vague = play.reply(BOB, "improve monitoring", "I have not recorded")
    play.edit(
        vague,
        "add a DB pool saturation alert to the checkout-api dashboard | <@U0BOB> | next Friday | High",
        "*AI-001* recorded",
    )
    play.reply(
        ALICE,
        "<@U0ALICE> add pool-size validation to the deploy pipeline by end of month, medium",
        "*AI-002* recorded",
    )
    play.reply(ALICE, "done", "*The interview is complete.*")
    # Alice backs F1 with the deploy line of the timeline, by the time on her own clock
    # (Los Angeles); the report names the line by its UTC minute.
    deploy = play.sandbox.slack.messages(play.channel)[1]
    at = ts_to_datetime(deploy["ts"]).astimezone(ZoneInfo(PEOPLE[0][3])).strftime("%H:%M")
    play.reply(ALICE, f"F1: see {at} deploy", "as evidence")


def _report(play: _Play) -> None:
    # Nothing in the data says when checkout started failing: the lead sets it, and the
    # durations are measured from there (PagerDuty's trigger is the detection).
    first = play.sandbox.slack.messages(play.channel)[0]
    started = ts_to_datetime(first["ts"]).strftime("%Y-%m-%d %H:%M UTC")
    play.command(ALICE, f"milestone started {started}")
    play.command(ALICE, "timeline")
    play.wait_in_thread("*Durations*", settled=True)
    play.command(ALICE, "publish")
    summary = play.sandbox.wait_for(
        lambda: [m for m in play.from_bot(play.sandbox.slack.messages(play.channel))[1:]]
    )
    play.heading("The published report, in the channel")
    play.show(summary)
    uploads = play.sandbox.wait_for(
        lambda: play.sandbox.slack.files if len(play.sandbox.slack.files) >= 2 else []
    )
    for upload in uploads:
        play.line(f"  file {upload['filename']}: {len(upload['content'])} bytes")
    play.command(ALICE, "share")


def _jira_ticket(play: _Play, trackers: Trackers) -> None:
    """A channel may name its own tracker: with Jira project OPS named, AI-002's "Create
    ticket" button files it there (summary, due date, priority, Alice as assignee by her
    Atlassian email); the channel then names the GitHub repository again, where publish
    files the item still without a ticket."""
    play.heading(f"The channel names a Jira project ({JIRA_PROJECT_KEY}) for its tickets")
    play.command(ALICE, f"tracker jira {JIRA_PROJECT_KEY}")
    play.command(ALICE, f"me jira {next(iter(JIRA_PEOPLE))}")
    play.click(ALICE, ITEM_TICKET, "*AI-002* recorded", "Create ticket")
    [issue] = play.sandbox.wait_for(lambda: trackers.jira.created(JIRA_PROJECT_KEY))
    fields = issue["fields"]
    assignee = (fields.get("assignee") or {}).get("accountId", "nobody")
    play.line(
        f"  Jira {issue['key']} {fields['summary']} [{', '.join(fields.get('labels') or [])}]"
        f", due {fields.get('duedate')}, priority {(fields.get('priority') or {}).get('name')}"
        f", assignee {assignee}"
    )
    play.line(f"      {trackers.jira.site}/browse/{issue['key']}")
    play.command(ALICE, f"tracker github {REPOSITORY}")


def _tickets(play: _Play, bot: BotProcess, trackers: Trackers) -> None:
    """Publish filed the item without a ticket as a GitHub issue; closing it on GitHub marks
    it done."""
    github = trackers.github
    issues = play.sandbox.wait_for(lambda: github.created(REPOSITORY))
    play.heading(f"Publishing filed the item without a ticket in GitHub Issues ({REPOSITORY})")
    for issue in issues:
        labels = ", ".join(label["name"] for label in issue["labels"])
        assignee = f", assigned to {issue['assignee']['login']}" if issue.get("assignee") else ""
        play.line(f"  #{issue['number']} {issue['title']} [{labels}]{assignee}")
        play.line(f"      {issue['html_url']}")
    first = issues[0]
    play.line(f"\nSomeone closes #{first['number']} on github.com; GitHub sends the webhook")
    body, headers = github.set_state(REPOSITORY, first["number"], "closed", by="bob")
    answer = httpx.post(f"{bot.url}/github/webhook", content=body, headers=headers, timeout=10)
    play.line(f"  the bot answered GitHub HTTP {answer.status_code}")
    play.wait_in_thread("its ticket", settled=True)


def _follow_up(play: _Play, bot: BotProcess, sandbox: Sandbox) -> None:
    monday = datetime.now(UTC).date() + timedelta(days=7 - datetime.now(UTC).weekday())
    at = f"{monday.isoformat()}T18:00:00"
    play.heading(f"Next week's follow-up, as `postmortem-bot remind --at {at} --dry-run` sees it")
    env = bot_environment(sandbox, bot.database_url, int(bot.url.rsplit(":", 1)[1]))
    command = [sys.executable, "-m", "bot", "remind", "--at", at, "--dry-run"]
    result = subprocess.run(
        command, env=env, cwd=bot.workdir, capture_output=True, text=True, timeout=60
    )
    for line in (result.stdout if result.returncode == 0 else result.stderr).splitlines():
        play.line(f"  {line}")


class _Play:
    def __init__(self, out: TextIO, sandbox: Sandbox, channel: str) -> None:
        self.out, self.sandbox, self.channel = out, sandbox, channel
        self.driver: Driver
        self.thread_ts = ""
        self.shown: set[str] = set()

    def line(self, text: str = "") -> None:
        print(_readable(text), file=self.out, flush=True)

    def heading(self, text: str) -> None:
        self.line(f"\n== {text}")

    def command(self, user: str, text: str) -> None:
        self.line(f"\n{NAMES[user]} types: /postmortem {text}")
        before = len(self.sandbox.slack.responses)
        began = time.monotonic()
        response = self.driver.slash_command(user, self.channel, text)
        ms = (time.monotonic() - began) * 1000
        if self.driver.socket_mode:
            self.line(f"  Slack got the bot's acknowledgement in {ms:.0f} ms")
        else:
            self.line(f"  Slack got HTTP {response.status_code} in {ms:.0f} ms")
        if response.headers.get("content-type", "").startswith("application/json"):
            self.private(response.json().get("text", ""))
        if text.split()[0] in ("start", "milestone", "publish", "share", "tracker", "me"):
            self._print_responses(before)

    def click(self, user: str, action_id: str, under: str, label: str) -> None:
        """`user` presses the `action_id` button of the bot's thread message saying `under`."""
        replies = self.from_bot(self.sandbox.slack.replies(self.channel, self.thread_ts))
        message = next(m for m in replies if under in _text(m))
        value = next(
            element["value"]
            for block in message.get("blocks") or []
            if block["type"] == "actions"
            for element in block["elements"]
            if element.get("action_id") == action_id
        )
        self.line(f"\n{NAMES[user]} clicks “{label}” under “{under}”")
        before = len(self.sandbox.slack.responses)
        self.driver.block_action(
            user, self.channel, action_id, value, message_ts=message["ts"], thread_ts=self.thread_ts
        )
        self._print_responses(before)

    def _print_responses(self, before: int) -> None:
        try:
            answers = self.sandbox.wait_for(
                lambda: self.sandbox.slack.responses[before:], timeout=5
            )
        except TimeoutError:
            return
        for answer in answers:
            self.private(answer["body"].get("text", ""))

    def private(self, text: str) -> None:
        for text_line in text.splitlines():
            self.line(f"  (only they see) {text_line}")

    def reply(self, user: str, text: str, expect: str) -> dict[str, Any]:
        self.line(f"\n{NAMES[user]} replies: {text}")
        message, _ = self.driver.user_posts(self.channel, user, text, thread_ts=self.thread_ts)
        self.wait_in_thread(expect, after=message["ts"])
        return message

    def edit(self, message: dict[str, Any], text: str, expect: str) -> None:
        self.line(f"\n{NAMES[message['user']]} edits that reply to: {text}")
        self.driver.user_edits(self.channel, message["ts"], text)
        self.wait_in_thread(expect, after=message["ts"])

    def wait_in_thread(self, expect: str, *, after: str = "0", settled: bool = False) -> None:
        def arrived() -> list[dict[str, Any]]:
            replies = self.from_bot(self.sandbox.slack.replies(self.channel, self.thread_ts)[1:])
            return [m for m in replies if float(m["ts"]) > float(after) and expect in _text(m)]

        self.sandbox.wait_for(arrived, timeout=30)
        fresh = [
            m
            for m in self.from_bot(self.sandbox.slack.replies(self.channel, self.thread_ts)[1:])
            if m["ts"] not in self.shown and (settled or float(m["ts"]) > float(after))
        ]
        self.show(fresh)

    def from_bot(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [m for m in messages if m.get("bot_id")]

    def show(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.shown.add(message["ts"])
            if not _text(message):
                continue  # a file share: listed with the files
            at = ts_to_datetime(message["ts"]).strftime("%H:%M")
            who = "bot" if message.get("bot_id") else NAMES.get(message.get("user", ""), "?")
            body = _text(message).replace("\n", "\n        ")
            self.line(f"  [{at}] {who}: {body}")


def _text(message: dict[str, Any]) -> str:
    return visible_text(message)


def _readable(text: str) -> str:
    return readable(text, NAMES)
