"""`run_job`: one run of one job, with its clock reading, its context and its errors.

Every job gets the same `JobRun`: the settings (a job reads its own, such as the
digest's weekday and hour), the sessions, the outbound clients (`bot.clients`), the
templates, the worker's name, `now`, and `report` for a dry run. In multi-workspace
mode a job runs once per installed workspace (`bot.jobs.workspaces`): `team_id` names
it, `clients.slack` carries its bot token, and the job reads that team's rows alone.
The wrapper keeps a job's failures from reaching the scheduler (one workspace's from
the others' too): an exception is logged with its traceback
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

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import Clients
from bot.config import Settings
from bot.core.slack_refusals import token_gone
from bot.jobs import workspaces
from bot.jobs.workspaces import Workspace
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
    # Multi-workspace mode: the one workspace this run is for (`clients.slack` speaks as
    # its bot); None with SLACK_BOT_TOKEN, where a run covers every team.
    team_id: str | None = None


Job = Callable[[JobRun], Counter[str]]


def run_job(
    name: str,
    job: Job,
    context: JobContext,
    *,
    now: datetime,
    report: Callable[[str], None] | None = None,
) -> Counter[str] | None:
    """Run `job` as of `now`, once per workspace; the tally of outcomes over them all,
    or None when any run failed (the others still ran)."""
    tally: Counter[str] = Counter()
    try:
        teams = workspaces.teams(context.settings, context.sessions)
    except Exception:
        logger.exception("job failed job=%s: the installed workspaces could not be read", name)
        return None
    failed = False
    for team_id in teams:
        outcomes = _run_in(name, job, context, team_id, now=now, report=report)
        if outcomes is None:
            failed = True
        else:
            tally.update(outcomes)
    return None if failed else tally


def _run_in(
    name: str,
    job: Job,
    context: JobContext,
    team_id: str | None,
    *,
    now: datetime,
    report: Callable[[str], None] | None,
) -> Counter[str] | None:
    """One workspace's run; its token is read inside the guard, so a database error
    there is this workspace's failure alone."""
    team = team_id or "all"
    try:
        workspace = workspaces.open_turn(
            context.settings, context.sessions, context.clients, team_id
        )
    except Exception:
        logger.exception(
            "job failed job=%s team=%s: its installation could not be read", name, team
        )
        return None
    if workspace is None:
        return Counter()
    return _run_as(name, job, context, workspace, now=now, report=report)


def _run_as(
    name: str,
    job: Job,
    context: JobContext,
    workspace: Workspace,
    *,
    now: datetime,
    report: Callable[[str], None] | None,
) -> Counter[str] | None:
    run = JobRun(
        settings=context.settings,
        sessions=context.sessions,
        clients=workspace.clients,
        templates=context.templates,
        worker=context.worker,
        now=now,
        report=report,
        team_id=workspace.team_id,
    )
    team = workspace.team_id or "all"
    started = time.monotonic()
    try:
        tally = job(run)
    except SlackApiError as error:
        if not _token_gone(name, context, workspace, error):
            logger.exception("job failed job=%s team=%s", name, team)
        return None
    except Exception:
        logger.exception("job failed job=%s team=%s", name, team)
        return None
    took = time.monotonic() - started
    logger.info("job done job=%s team=%s seconds=%.2f outcomes=%s", name, team, took, dict(tally))
    return tally


def _token_gone(name: str, context: JobContext, workspace: Workspace, error: SlackApiError) -> bool:
    """Whether Slack refused an installed workspace's token for good; if so its
    installation is deleted (`workspaces.forget_refused`) and the operator told in one
    line, so no later round retries it until a reinstall."""
    code = str(error.response.get("error"))
    token = workspace.clients.slack.token
    if not token_gone(error) or not token:
        return False
    if workspace.team_id is None:
        return _bot_token_gone(name, context, code)
    deleted = workspaces.forget_refused(
        context.settings, context.sessions, workspace.team_id, token
    )
    logger.warning(
        "jobs stop for team=%s: Slack refused its bot token (%s) in job=%s; %s",
        workspace.team_id,
        code,
        name,
        "its installation is deleted until the app is installed again"
        if deleted
        else "a reinstall has replaced the token since",
    )
    return True


def _bot_token_gone(name: str, context: JobContext, code: str) -> bool:
    """Single-workspace mode: SLACK_BOT_TOKEN refused; the jobs stop until it works."""
    try:
        workspaces.refuse_bot_token(context.sessions, code)
    except Exception:
        logger.exception("job=%s: Slack refused SLACK_BOT_TOKEN (%s)", name, code)
        return True
    logger.warning(
        "jobs stop: Slack refused SLACK_BOT_TOKEN (%s) in job=%s; they resume once serve "
        "starts with a token that works",
        code,
        name,
    )
    return True
