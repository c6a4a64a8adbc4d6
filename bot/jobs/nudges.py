"""The 48-hour nudge: a post-mortem whose report is not out gets its lead reminded daily."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import followups
from bot.jobs.runner import JobRun

NAME = "nudges"
EVERY = timedelta(minutes=5)


def run(run: JobRun) -> Counter[str]:
    return followups.send_nudges(run)
