"""Weekly digests: every owner of open action items gets one DM a week."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import reminders
from bot.flows.reminder_delivery import Run

NAME = "digests"
# Owners' local hours start on the hour in some zone or other; a minute's lag is fine.
EVERY = timedelta(minutes=1)


def run(run: Run) -> Counter[str]:
    return reminders.send_digests(run)
