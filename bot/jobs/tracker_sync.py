"""The tickets' periodic sync (issue 16): each ticket's status asked of its tracker every
TRACKER_SYNC_MINUTES (0: never), for trackers whose webhook cannot reach the bot; safe
beside the webhooks. The work is `bot.flows.ticket_sync`; this module ticks it."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import ticket_sync
from bot.jobs.runner import JobRun
from bot.services.tickets import GITHUB, JIRA
from bot.trackers.base import Tracker

NAME = "tracker_sync"
# Ticks more often than the slowest sync: each item is asked once per slot of
# TRACKER_SYNC_MINUTES, and a run stopped by a rate limit goes on at the next tick.
EVERY = timedelta(minutes=5)
_PAUSES = ticket_sync.Pauses()  # this process's: what the trackers' limits said


def run(run: JobRun) -> Counter[str]:
    if run.report is not None:  # `remind --dry-run` says what reminders would do
        return Counter()
    trackers: dict[str, Tracker] = {}
    if run.clients.github is not None:
        trackers[GITHUB] = run.clients.github
    if run.clients.jira is not None:
        trackers[JIRA] = run.clients.jira
    return ticket_sync.sync(
        run.sessions,
        trackers,
        run.settings,
        now=run.now,
        worker=run.worker,
        team_id=run.team_id,
        pauses=_PAUSES,
    )
