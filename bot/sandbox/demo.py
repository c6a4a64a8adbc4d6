"""A small demo workspace, and `serve_forever` behind `postmortem-bot sandbox`."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.sandbox.sandbox import Sandbox

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
    """Four people in four timezones, an incident channel with chatter, a PagerDuty incident."""
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
    return {"channel": INCIDENT_CHANNEL, "incident": INCIDENT_ID}


def describe(sb: Sandbox, seeded: dict[str, str] | None) -> str:
    lines = [
        f"Slack and PagerDuty sandbox listening on {sb.base_url}",
        "Point a bot at it with:",
        f"  SLACK_API_URL={sb.slack_api_url}",
        f"  SLACK_BOT_TOKEN={sb.slack.bot_token}",
        f"  SLACK_SIGNING_SECRET={sb.signing_secret}",
        f"  PAGERDUTY_API_URL={sb.pagerduty_api_url}",
        f"  PAGERDUTY_API_TOKEN={sb.pagerduty.token}",
        f"  PAGERDUTY_WEBHOOK_SECRET={sb.pagerduty_webhook_secret}",
        f"Workspace {sb.slack.team_id}, bot user {sb.slack.bot_user_id}",
    ]
    if seeded:
        people = ", ".join(f"{name} ({user_id}, {tz})" for user_id, name, _, tz in PEOPLE)
        lines.append(f"People: {people}")
        lines.append(
            f"Incident channel {seeded['channel']}, PagerDuty incident {seeded['incident']}"
        )
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: bool = True,
    rate_window_seconds: float = 60.0,
    print_to: TextIO = sys.stdout,
    until: threading.Event | None = None,
) -> None:
    """Run a sandbox until Ctrl-C (or until `until` is set), printing how to reach it."""
    stop = until or threading.Event()
    with Sandbox(rate_window_seconds, host=host, port=port) as sb:
        seeded = seed_demo_workspace(sb) if seed else None
        print(describe(sb, seeded), file=print_to, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("sandbox stopped", file=print_to, flush=True)
