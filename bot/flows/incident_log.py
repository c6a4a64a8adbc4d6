"""Reading a linked PagerDuty incident's REST log into the post-mortem's timeline.

With an API token the incident's log entries are read a page at a time, each page
filed in a transaction of its own (`bot.services.incidents`); without one, or when
PagerDuty stops answering, the timeline records the gap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from sqlalchemy.orm import Session, sessionmaker

from bot.core.gathering import LogOutcome
from bot.core.timeline import Gap, GapKind
from bot.flows.incident_access import VisibleIncident
from bot.pagerduty.client import PAGE_SIZE, PagerDutyClient
from bot.pagerduty.errors import PagerDutyError
from bot.pagerduty.log_entries import LogEntry
from bot.services import incidents

logger = logging.getLogger(__name__)


def backfill_log(
    sessions: sessionmaker[Session],
    client: PagerDutyClient | None,
    postmortem_id: int,
    incident: VisibleIncident,
) -> LogOutcome:
    """Read the incident's REST log into the timeline; `client` is None without a token.
    Only an incident the post-mortem's workspace may see is read (`incident_access`)."""
    incident_id = incident.incident_id
    if client is None:
        return LogOutcome(0, 0, _record(sessions, postmortem_id, Gap.pagerduty_not_configured()))
    _clear(sessions, postmortem_id, None, GapKind.PAGERDUTY_NOT_CONFIGURED)
    where = f"the PagerDuty log of incident {incident_id}"
    read = added = 0
    try:
        stream = client.iter_log_entries(incident_id)
        for batch in _batches(stream, PAGE_SIZE):
            with sessions.begin() as session:
                added += incidents.file_log_entries(session, postmortem_id, batch)
            read += len(batch)
    except PagerDutyError as error:
        gap = Gap.backfill_cut_short(where, f"{str(error).rstrip('.')}; {read} entries read")
        return LogOutcome(read, added, _record(sessions, postmortem_id, gap, incident_id))
    if stream.truncated:
        gap = Gap.backfill_cut_short(where, "PagerDuty lists at most 10,000 log entries")
        return LogOutcome(read, added, _record(sessions, postmortem_id, gap, incident_id))
    _clear(sessions, postmortem_id, incident_id, GapKind.BACKFILL_CUT_SHORT)
    return LogOutcome(read, added, None)


def _batches(entries: Iterable[LogEntry], size: int) -> Iterator[list[LogEntry]]:
    batch: list[LogEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _record(
    sessions: sessionmaker[Session], postmortem_id: int, gap: Gap, incident_id: str | None = None
) -> Gap:
    logger.warning("pagerduty gap postmortem=%s kind=%s", postmortem_id, gap.kind.value)
    with sessions.begin() as session:
        incidents.record_gap(session, postmortem_id, gap, incident_id)
    return gap


def _clear(
    sessions: sessionmaker[Session], postmortem_id: int, incident_id: str | None, kind: GapKind
) -> None:
    with sessions.begin() as session:
        incidents.clear_gap(session, postmortem_id, incident_id, kind)
