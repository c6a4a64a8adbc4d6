"""The follow-up review: four weeks after publishing, the channel reviews every item."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import reminders
from bot.flows.reminder_delivery import Run

NAME = "reviews"
EVERY = timedelta(minutes=5)


def run(run: Run) -> Counter[str]:
    return reminders.send_reviews(run)
