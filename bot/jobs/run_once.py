"""`postmortem-bot remind`: run every follow-up job once, as of now or a given time, and exit.

For deployments that prefer cron to the scheduler inside `serve`, for operators
who want to see what would go out (`--dry-run`, `--at`), and for tests, which
set the clock with `--at` instead of waiting for it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from bot.clients import build_clients
from bot.config import Settings
from bot.errors import BadArguments, ConfigError
from bot.jobs.runner import JobContext, run_job
from bot.jobs.scheduler import JOBS
from bot.slack.names import UserNames
from bot.templates import Templates
from bot.transaction_guard import install as guard_transactions
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import utcnow


def parse_at(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadArguments(
            f"--at {text!r} is not an ISO time like 2026-03-02T09:00+01:00"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def run(settings: Settings, *, at: datetime | None, dry_run: bool, out: TextIO) -> int:
    """Run the jobs; 0 when every job ran (a message Slack refused is not a failed job)."""
    if not settings.slack_bot_token and not settings.oauth:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "missing; reminders are sent with the bot token "
            "(or with each workspace's, installed through SLACK_CLIENT_ID)",
        )
    engine = make_engine(settings.database_url)
    guard_transactions(engine)  # the jobs' code is serve's: the same rule, the same check
    schema.ensure_current(engine)
    templates = Templates(settings.templates_dir)
    templates.check()
    clients = build_clients(settings)
    context = JobContext(settings, make_sessionmaker(engine), clients, templates)
    now = at or utcnow()
    names = UserNames(clients.slack)
    report = (
        (lambda line: print(named(line, names.name), file=out, flush=True)) if dry_run else None
    )
    failed = 0
    for job in JOBS:
        tally = run_job(job.NAME, job.run, context, now=now, report=report)
        failed += tally is None
        print(_summary(job.NAME, tally, dry_run), file=out, flush=True)
    clients.close()
    engine.dispose()
    return 1 if failed else 0


_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")
_USER_ID = re.compile(r"\b([UW][A-Z0-9]{2,})\b")


def named(line: str, name_of: Callable[[str], str]) -> str:
    """A dry run's line for people: each user id as the person's name (the id beside it
    where it says whom to, so an operator can still search for it), mentions as @name."""
    line = _MENTION.sub(lambda m: "@" + name_of(m[1]), line)

    def person(match: re.Match[str]) -> str:
        name = name_of(match[1])
        return match[1] if name == match[1] else f"{name} ({match[1]})"

    return _USER_ID.sub(person, line)


def _summary(name: str, tally: Counter[str] | None, dry_run: bool) -> str:
    if tally is None:
        return f"{name}: failed (see the log)"
    shown = {k: v for k, v in sorted(tally.items()) if k != "not due"}
    parts = ", ".join(f"{count} {outcome}" for outcome, count in shown.items()) or "nothing due"
    return f"{name}{' (dry run)' if dry_run else ''}: {parts}"
