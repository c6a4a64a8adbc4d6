"""The follow-up review: four weeks after publishing, the channel reviews every item.

The review is dated from publishing; the incident window its messages name is the
milestones' window, written onto each candidate first
(`bot.services.milestones.stale_windows`), as the nudges do. A dry run writes
nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import followups
from bot.jobs.runner import JobRun
from bot.services import milestones

NAME = "reviews"
EVERY = timedelta(minutes=5)


def run(run: JobRun) -> Counter[str]:
    """Due reviews, from REMINDER_HOUR in the lead's timezone on the review day."""
    if run.report is None:
        with run.sessions() as session:
            stale = milestones.stale_windows(session, "awaiting_review", run.team_id)
        if stale:
            with run.sessions.begin() as session:
                milestones.write_windows(session, stale)
    return followups.send_reviews(run, hour=run.settings.reminder_hour)
