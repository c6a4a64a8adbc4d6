"""`build_scheduler`: APScheduler 3 in the `serve` process, ticking every job.

Each process keeps its schedule in memory (APScheduler's FAQ: job stores must
not be shared between processes); every replica ticks, and the database's
claims decide which one sends each follow-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import Clients
from bot.config import Settings
from bot.jobs import digests, nudges, prune_deliveries, reviews, tracker_sync, workspaces
from bot.jobs.runner import Job, JobContext, run_job
from bot.templates import Templates
from storage.models import utcnow

logger = logging.getLogger(__name__)

JOBS = (digests, nudges, reviews, tracker_sync, prune_deliveries)
# Replicas started together should not all query at the same second.
JITTER_SECONDS = 10


def build_scheduler(
    context: JobContext, *, clock: Callable[[], datetime] = utcnow
) -> BackgroundScheduler:
    # One worker thread: jobs take turns, so one process never races itself for Slack's limits.
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone=UTC,
    )
    for job in JOBS:
        scheduler.add_job(
            _tick,
            "interval",
            seconds=job.EVERY.total_seconds(),
            jitter=JITTER_SECONDS,
            id=job.NAME,
            name=job.NAME,
            args=(job.NAME, job.run, context, clock),
        )
    return scheduler


def _tick(name: str, job: Job, context: JobContext, clock: Callable[[], datetime]) -> None:
    run_job(name, job, context, now=clock())


def start(
    settings: Settings, *, sessions: sessionmaker[Session], clients: Clients
) -> Callable[[], None]:
    """Start ticking for `serve`; returns the function that stops it. `clients` are the
    ones `serve` built for the process (its Bolt app's too). In multi-workspace mode
    each tick runs each job once per installed workspace, with its token
    (`bot.jobs.workspaces`)."""
    if not settings.slack_bot_token and not settings.oauth:
        logger.warning("reminders are off: they need SLACK_BOT_TOKEN or SLACK_CLIENT_ID")
        return lambda: None
    if settings.slack_bot_token and not settings.oauth and workspaces.bot_token_works(sessions):
        # `serve` reaches here only after its auth.test of SLACK_BOT_TOKEN succeeded.
        logger.info("SLACK_BOT_TOKEN works again (auth.test at start-up): the jobs resume")
    context = JobContext(settings, sessions, clients, Templates(settings.templates_dir))
    scheduler = build_scheduler(context)
    scheduler.start()
    logger.info("scheduler started jobs=%s worker=%s", [job.NAME for job in JOBS], context.worker)
    return lambda: scheduler.shutdown(wait=False)
