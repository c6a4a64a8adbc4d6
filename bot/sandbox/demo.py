"""A small demo workspace, and `serve_forever` behind `postmortem-bot sandbox`."""

from __future__ import annotations

import errno
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO
from urllib.parse import urlsplit

from bot.errors import Unavailable
from bot.sandbox import github_api, jira_api, prometheus_api
from bot.sandbox.github_api import GitHubState
from bot.sandbox.jira_api import JiraState
from bot.sandbox.sandbox import Sandbox
from bot.sandbox.slack_api import APP_TOKEN

PEOPLE = (
    ("U0ALICE", "alice", "Alice Chen", "America/Los_Angeles"),
    ("U0BOB", "bob", "Bob Okafor", "Europe/London"),
    ("U0CARMEN", "carmen", "Carmen Díaz", "America/New_York"),
    ("U0DAISUKE", "daisuke", "Daisuke Ito", "Asia/Tokyo"),
)
INCIDENT_CHANNEL = "C0INC0001"
INCIDENT_ID = "PSANDBOX1"
CHATTER = (
    ("U0ALICE", "Checkout error rate is climbing, 5xx on /api/pay"),
    ("U0BOB", "Deploy 2024.06.1 went out ten minutes ago, rolling it back now"),
    ("U0CARMEN", "Payment provider status page is green, it is on our side"),
    ("U0BOB", "Rollback finished, error rate back under 0.1%"),
    ("U0ALICE", "Declaring mitigated. Thanks all, post-mortem to follow"),
)


def seed_demo_workspace(sb: Sandbox, *, start: datetime | None = None) -> dict[str, str]:
    """Four people in four timezones, an incident channel with chatter, a PagerDuty incident,
    and the incident's metrics and alert in a Prometheus stand-in (`prometheus`: its URL)."""
    start = start or datetime.now(UTC) - timedelta(hours=3)
    for user_id, name, real_name, tz in PEOPLE:
        sb.slack.add_user(user_id, name, real_name=real_name, tz=tz)
    members = [person[0] for person in PEOPLE]
    sb.slack.add_channel("C0GENERAL", "general", members=members)
    sb.slack.add_channel(
        INCIDENT_CHANNEL,
        "inc-checkout-errors",
        members=members,
        created=int(start.timestamp()),
        topic="SEV2: checkout 5xx",
    )
    for minute, (user, text) in enumerate(CHATTER):
        at = start + timedelta(minutes=4 * minute)
        sb.slack.post_as_user(INCIDENT_CHANNEL, user, text, ts=f"{at.timestamp():.6f}")
    sb.pagerduty.add_incident(
        INCIDENT_ID, title="Checkout 5xx above 2%", service_name="checkout", created_at=start
    )
    for minutes, kind, summary in (
        (0, "trigger_log_entry", "Triggered through the API"),
        (2, "acknowledge_log_entry", "Acknowledged by Alice Chen"),
        (17, "resolve_log_entry", "Resolved by Bob Okafor"),
    ):
        created = start + timedelta(minutes=minutes)
        sb.pagerduty.add_log_entry(
            INCIDENT_ID, {"type": kind, "summary": summary, "created_at": created}
        )
    sb.mount(prometheus_api.PREFIX, prometheus_api.demo(start).route)
    return {
        "channel": INCIDENT_CHANNEL,
        "incident": INCIDENT_ID,
        "prometheus": f"{sb.base_url}{prometheus_api.PREFIX}",
    }


# Where the demo team files its action items: a GitHub repository (the default tracker)
# and a Jira project a channel can choose instead (`/postmortem tracker jira OPS`).
REPOSITORY = "acme/checkout"
JIRA_PROJECT_KEY = "OPS"
JIRA_PEOPLE = {"alice@acme.example": "5b10ac8d82e05b22cc7d4ef5"}


@dataclass(frozen=True)
class Trackers:
    """The ticket trackers' stand-ins a demo bot files in, and the settings that say so."""

    github: GitHubState
    jira: JiraState
    settings: dict[str, str]


def mount_trackers(sb: Sandbox) -> Trackers:
    """GitHub Issues and Jira Cloud stand-ins on the sandbox, with the demo's repository and
    project, and the bot settings (the issue's contract names) pointing at them."""
    github = GitHubState()
    github.add_repository(REPOSITORY)
    sb.mount(github.prefix, github.route)
    jira = JiraState(site=f"{sb.base_url}{JiraState.prefix}")
    jira.add_project(JIRA_PROJECT_KEY, JIRA_PEOPLE)
    sb.mount(jira.prefix, jira.route)
    settings = {
        "GITHUB_TOKEN": github_api.TOKEN,
        "GITHUB_API_URL": f"{sb.base_url}{github.prefix}",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_WEBHOOK_SECRET": github_api.WEBHOOK_SECRET,
        "JIRA_URL": jira.site,
        "JIRA_EMAIL": jira_api.EMAIL,
        "JIRA_API_TOKEN": jira_api.TOKEN,
        "JIRA_PROJECT": JIRA_PROJECT_KEY,
        "JIRA_WEBHOOK_SECRET": jira_api.WEBHOOK_SECRET,
    }
    return Trackers(github, jira, settings)


DEFAULT_BOT_URL = "http://127.0.0.1:3000"
HANDS = (  # (command, comment): the banner's how-to, as a person would type it
    ('slash --as alice "/postmortem start Checkout errors"', ""),
    ("show", "the messages, their ts and buttons"),
    ("show --thread TS", "a thread"),
    ('reply --as carmen TS "About 9% of checkouts failed"', ""),
    ('say --as bob "Rolled back deploy 2024.06.1"', ""),
    ("react --as bob TS pushpin", ""),
    ("click --as alice ACTION_ID [--value V]", "a button `show` lists"),
    ("submit --as alice FIELD=VALUE ...", "the modal the bot opened"),
)


def describe(
    sb: Sandbox,
    seeded: dict[str, str] | None,
    *,
    bot_url: str = DEFAULT_BOT_URL,
    trackers: Trackers | None = None,
) -> str:
    """The banner of `postmortem-bot sandbox`: where it is, how to start a bot, what to type."""
    lines = [f"Slack and PagerDuty sandbox listening on {sb.base_url}"]
    if trackers is not None:
        lines.append(
            f"GitHub Issues at {sb.base_url}{trackers.github.prefix} (repository {REPOSITORY}), "
            f"Jira Cloud at {trackers.jira.site} (project {JIRA_PROJECT_KEY})"
        )
    lines.append(f"Workspace {sb.slack.team_id}, bot user {sb.slack.bot_user_id}")
    if seeded:
        people = ", ".join(f"{name} ({user_id}, {tz})" for user_id, name, _, tz in PEOPLE)
        lines.append(f"People: {people}")
        lines.append(
            f"Incident channel {seeded['channel']}, PagerDuty incident {seeded['incident']}"
        )
    lines.append("")
    lines.append("Start a bot against it in another terminal, from an empty folder:")
    settings = {**_bot_settings(sb, bot_url, seeded), **(trackers.settings if trackers else {})}
    lines += [f"  export {name}={value}" for name, value in settings.items()]
    lines += ["  postmortem-bot migrate", "  postmortem-bot serve"]
    lines.append(
        f"(the export lines also work as a .env there). The sandbox delivers to {bot_url}."
    )
    lines.append(
        f"For Socket Mode add `export SLACK_APP_TOKEN={APP_TOKEN}`: the sandbox then sends "
        "Slack's requests over its WebSocket."
    )
    lines.append("")
    lines.append("Then act as the people, from any terminal:")
    for command, comment in HANDS:
        lines.append(f"  postmortem-bot sandbox {command:<38} # {comment}".rstrip(" #"))
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def _bot_settings(sb: Sandbox, bot_url: str, seeded: dict[str, str] | None) -> dict[str, str]:
    from bot.sandbox.bot_process import sandbox_settings

    port = urlsplit(bot_url).port or 3000
    settings = {**sandbox_settings(sb), "DATABASE_URL": "sqlite:///sandbox-bot.db"}
    if seeded:  # the incident's metrics and alert (charts need a PROMETHEUS_QUERIES file)
        settings["PROMETHEUS_URL"] = seeded["prometheus"]
    return {**settings, "PORT": str(port)}


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: bool = True,
    rate_window_seconds: float = 60.0,
    bot_url: str = DEFAULT_BOT_URL,
    print_to: TextIO = sys.stdout,
    until: threading.Event | None = None,
) -> None:
    """Run a sandbox until Ctrl-C (or until `until` is set), printing how to reach it.

    People's actions (`postmortem-bot sandbox say` …) arrive on its `/_sandbox/` routes
    and are delivered to the bot at `bot_url`."""
    from bot.sandbox.control import PREFIX, Control

    stop = until or threading.Event()
    with _started(rate_window_seconds, host, port) as sb:
        seeded = seed_demo_workspace(sb) if seed else None
        trackers = mount_trackers(sb)
        channel = seeded["channel"] if seeded else None
        sb.mount(PREFIX, Control(sb, bot_url, channel=channel))
        banner = describe(sb, seeded, bot_url=bot_url, trackers=trackers)
        print(banner, file=print_to, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("sandbox stopped", file=print_to, flush=True)


def _started(rate_window_seconds: float, host: str, port: int) -> Sandbox:
    """A listening sandbox; a port it cannot listen on is one Unavailable saying what to do."""
    try:
        return Sandbox(rate_window_seconds, host=host, port=port).start()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise Unavailable(
                f"port {port} on {host} is already in use: stop the program listening there "
                "or give --port a free one"
            ) from None
        raise Unavailable(
            f"cannot listen on {host}:{port} ({error.strerror or error}): check --port"
        ) from None
