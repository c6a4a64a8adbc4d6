"""The follow-up review: four weeks after publishing, the channel reviews every item."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import followups
from bot.jobs.runner import JobRun

NAME = "reviews"
EVERY = timedelta(minutes=5)


def run(run: JobRun) -> Counter[str]:
    """Due reviews, from REMINDER_HOUR in the lead's timezone on the review day."""
    return followups.send_reviews(run, hour=run.settings.reminder_hour)
