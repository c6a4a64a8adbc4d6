"""Seeding post-mortems and action items through the storage layer, and running `remind`.

The interview that creates action items is built separately; follow-up tests
put the rows it would leave straight into the database.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import bot_environment, free_port
from bot.transaction_guard import calls_in_transaction
from storage.models import ActionItem, Postmortem
from storage.repositories import workspaces

TEAM = "T0SANDBOX"


def add_postmortem(
    sessions: sessionmaker[Session],
    *,
    channel_id: str,
    lead: str,
    title: str,
    thread_ts: str | None = None,
    incident_end: datetime | None = None,
    created_at: datetime,
    published_at: datetime | None = None,
    team_id: str = TEAM,
) -> int:
    with sessions.begin() as session:
        workspaces.ensure(session, team_id)
        postmortem = Postmortem(
            team_id=team_id,
            channel_id=channel_id,
            title=title,
            lead_user_id=lead,
            created_by=lead,
            thread_ts=thread_ts,
            incident_end=incident_end,
            created_at=created_at,
            updated_at=created_at,
            published_at=published_at,
            status="published" if published_at else "open",
        )
        session.add(postmortem)
        session.flush()
        return postmortem.id


def add_item(
    sessions: sessionmaker[Session],
    postmortem_id: int,
    number: int,
    owner: str,
    action: str,
    *,
    deadline: date | None = None,
    priority: str = "High",
    created_at: datetime | None = None,
    team_id: str = TEAM,
) -> int:
    """An item agreed `created_at` (by default a month ago: older than any digest's grace
    day, as the items of a post-mortem whose follow-up is under way are)."""
    with sessions.begin() as session:
        item = ActionItem(
            team_id=team_id,
            postmortem_id=postmortem_id,
            number=number,
            action=action,
            owner_id=owner,
            deadline=deadline,
            priority=priority,
            created_at=created_at or datetime.now(UTC) - timedelta(days=30),
        )
        session.add(item)
        session.flush()
        return item.id


def remind_command(at: datetime, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bot", "remind", "--at", at.isoformat(), *extra]


def remind_env(sandbox: Sandbox, database_url: str) -> dict[str, str]:
    return bot_environment(sandbox, database_url, free_port())


def remind(
    sandbox: Sandbox,
    database_url: str,
    at: datetime,
    *extra: str,
    env: dict[str, str] | None = None,
) -> str:
    """Run `postmortem-bot remind --at` to the end (with `env` over the sandbox's
    settings); its standard output."""
    done = subprocess.run(
        remind_command(at, *extra),
        env={**remind_env(sandbox, database_url), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = calls_in_transaction(done.stderr)  # the rule serve's runs are held to
    assert not found, "remind made a network call inside a transaction:\n" + "\n".join(found)
    return done.stdout


def dms(sandbox: Sandbox, user_id: str) -> list[dict[str, Any]]:
    """The bot's messages in its DM with `user_id` (none if it never opened one)."""
    channel = sandbox.slack.dm_id(user_id)
    if channel not in sandbox.slack.channels:
        return []
    return [m for m in sandbox.slack.messages(channel) if m.get("bot_id")]


def dm_posts(sandbox: Sandbox) -> list[str]:
    """The channel of every successful chat.postMessage into a DM, one entry per post."""
    return [
        str(call.params.get("channel"))
        for call in sandbox.slack.calls
        if call.method == "chat.postMessage"
        and call.status == 200
        and call.error is None
        and str(call.params.get("channel", "")).startswith("D")
    ]
