"""Hourly pruning of the delivery ids kept to tell retries by (`bot.services.deliveries`).

Every Slack event and PagerDuty webhook leaves a row; a retry is recognised only while
its id is kept, and Slack retries for minutes, PagerDuty for hours, so rows older than
DELIVERY_RETENTION_DAYS (7 by default) are of no more use. The hour's run is claimed
in the same table (one row per hour, itself pruned later), so replicas and the
workspaces of a multi-workspace round do not all repeat it; a DELETE twice would be
harmless anyway. Rows go in batches, each its own short transaction, so no long
write lock is held on SQLite.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from bot.jobs.runner import JobRun
from bot.services import deliveries
from storage.repositories import deliveries as delivery_rows

logger = logging.getLogger(__name__)

NAME = "prune_deliveries"
EVERY = timedelta(hours=1)
BATCH = 500
# At most this many batches an hour (500,000 rows); the rest goes at the next run.
MAX_BATCHES = 1000
CLAIM_SOURCE = "job"


def run(run: JobRun) -> Counter[str]:
    if run.report is not None:  # `remind --dry-run` is about reminders
        return Counter()
    slot = f"{NAME}:{run.now:%Y-%m-%dT%H}"
    with run.sessions.begin() as session:
        if not deliveries.first_time(session, CLAIM_SOURCE, slot):
            return Counter(claimed_elsewhere=1)
    before = run.now - timedelta(days=run.settings.delivery_retention_days)
    pruned = 0
    for _ in range(MAX_BATCHES):
        with run.sessions.begin() as session:
            count = delivery_rows.prune_batch(session, before, BATCH)
        pruned += count
        if count < BATCH:
            break
    if pruned:
        logger.info("pruned deliveries older than %s count=%d", before.isoformat(), pruned)
    return Counter(pruned=pruned)
