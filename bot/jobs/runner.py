"""`run_job`: one run of one job, with its clock reading, its context and its errors.

The wrapper hands the job a `Run` (sessions, Slack client, templates, `now`)
and keeps its failures from reaching the scheduler: an exception is logged
with its traceback and the next tick runs as usual. Transactions are opened by
the job, one short pair per reminder (see `bot.flows.reminder_delivery`):
one transaction around a whole batch would hide its claims from the other
replicas until the end and lose all of them in a crash.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.clients import Clients
from bot.config import Settings
from bot.flows.reminder_delivery import Run
from bot.templates import Templates

logger = logging.getLogger(__name__)

Job = Callable[[Run], Counter[str]]


def worker_name() -> str:
    """Who holds a claim, for people reading the reminders table."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class JobContext:
    """What every run needs, built once by `serve` or `remind`."""

    settings: Settings
    sessions: sessionmaker[Session]
    clients: Clients
    templates: Templates
    worker: str = field(default_factory=worker_name)


def run_job(
    name: str,
    job: Job,
    context: JobContext,
    *,
    now: datetime,
    report: Callable[[str], None] | None = None,
) -> Counter[str] | None:
    """Run `job` as of `now`; its tally of outcomes, or None when it failed."""
    run = Run(
        sessions=context.sessions,
        client=context.clients.slack,
        templates=context.templates,
        now=now,
        worker=context.worker,
        weekday=context.settings.reminder_weekday,
        hour=context.settings.reminder_hour,
        report=report,
    )
    started = time.monotonic()
    try:
        tally = job(run)
    except Exception:
        logger.exception("job failed job=%s", name)
        return None
    took = time.monotonic() - started
    logger.info("job done job=%s seconds=%.2f outcomes=%s", name, took, dict(tally))
    return tally
