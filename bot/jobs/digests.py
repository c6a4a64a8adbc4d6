"""Weekly digests: every owner of open action items gets one DM a week."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import followups
from bot.jobs.runner import JobRun

NAME = "digests"
# Owners' local hours start on the hour in some zone or other; a minute's lag is fine.
EVERY = timedelta(minutes=1)


def run(run: JobRun) -> Counter[str]:
    """Due digests: REMINDER_WEEKDAY at REMINDER_HOUR in each owner's timezone."""
    settings = run.settings
    return followups.send_digests(
        run, weekday=settings.reminder_weekday, hour=settings.reminder_hour
    )
