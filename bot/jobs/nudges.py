"""The 48-hour nudge: a post-mortem whose report is not out gets its lead reminded daily.

The 48 hours count from the incident's end as its milestones say: resolved, else
mitigated, else impact started, else `/postmortem start` (`bot.core.milestones.
deadline_base`, which the report's checklist reads too). Each candidate's window is
written onto it first (`bot.services.milestones.stale_windows`), so a PagerDuty
resolve that came in since, or a time a person set, counts at once. A dry run
writes nothing and counts from the window last written.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import followups
from bot.jobs.runner import JobRun
from bot.services import milestones

NAME = "nudges"
EVERY = timedelta(minutes=5)


def run(run: JobRun) -> Counter[str]:
    if run.report is None:
        with run.sessions() as session:
            stale = milestones.stale_windows(session, "unpublished", run.team_id)
        if stale:
            with run.sessions.begin() as session:
                milestones.write_windows(session, stale)
    return followups.send_nudges(run)
