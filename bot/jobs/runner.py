"""`run_job`: one run of one job, with its clock reading, its context and its errors.

Every job gets the same `JobRun`: the settings (a job reads its own, such as the
digest's weekday and hour), the sessions, the outbound clients (`bot.clients`), the
templates, the worker's name, `now`, and `report` for a dry run. The wrapper keeps a
job's failures from reaching the scheduler: an exception is logged with its traceback
and the next tick runs as usual. Transactions are opened by the job; the follow-up
jobs open one short pair per message (see `bot.flows.followup_delivery`): one
transaction around a whole batch would hide its claims from the other replicas until
the end and lose all of them in a crash.
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
from bot.templates import Templates

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """Who holds a claim, for people reading the claims' table."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class JobContext:
    """What every run needs, built once by `serve` or `remind`."""

    settings: Settings
    sessions: sessionmaker[Session]
    clients: Clients
    templates: Templates
    worker: str = field(default_factory=worker_name)


@dataclass(frozen=True)
class JobRun:
    """One run of one job: the process's context, as of `now`."""

    settings: Settings
    sessions: sessionmaker[Session]
    clients: Clients
    templates: Templates
    worker: str
    now: datetime
    # Set by `remind --dry-run`: a job describes here what it would do instead of doing it.
    report: Callable[[str], None] | None = None


Job = Callable[[JobRun], Counter[str]]


def run_job(
    name: str,
    job: Job,
    context: JobContext,
    *,
    now: datetime,
    report: Callable[[str], None] | None = None,
) -> Counter[str] | None:
    """Run `job` as of `now`; its tally of outcomes, or None when it failed."""
    run = JobRun(
        settings=context.settings,
        sessions=context.sessions,
        clients=context.clients,
        templates=context.templates,
        worker=context.worker,
        now=now,
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
