"""Linking a PagerDuty incident to a post-mortem, and reading the incident's log into it.

Webhook events arrive whether or not an incident is linked yet (`pagerduty_events`);
linking files the ones already kept. With an API token the incident's REST log entries
are read too, a page per transaction; without one, or when PagerDuty stops answering,
the timeline records the gap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.core.timeline import Gap, GapKind, TimelineEntry
from bot.pagerduty.client import PAGE_SIZE, PagerDutyClient
from bot.pagerduty.errors import PagerDutyError
from bot.pagerduty.log_entries import LogEntry
from bot.pagerduty.timeline import from_log_entry, from_webhook
from bot.pagerduty.webhook import WebhookEvent
from bot.services import postmortems
from bot.services.backfill import stored_gap
from bot.services.timeline_rows import to_row
from storage.models import PagerDutyEvent, Postmortem
from storage.repositories import gaps, pagerduty_events, timeline

logger = logging.getLogger(__name__)

NOT_CONFIGURED_SCOPE = "pagerduty"


@dataclass(frozen=True)
class Linked:
    """The incident now linked, the one it replaced (if any), and webhook events filed."""

    incident_id: str
    previous: str | None
    attached: int


@dataclass(frozen=True)
class LogOutcome:
    read: int
    added: int
    gap: Gap | None


def link(session: Session, postmortem_id: int, incident_id: str) -> Linked:
    """Link `incident_id` and file the webhook events already received for it."""
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    previous = postmortem.pagerduty_incident_id
    postmortem.pagerduty_incident_id = incident_id
    attached = 0
    for stored in pagerduty_events.list_by_incident(session, incident_id):
        stored.team_id = stored.team_id or postmortem.team_id
        attached += timeline.add_unless_exists(session, to_row(webhook_entry(stored), postmortem))
    return Linked(incident_id, previous if previous != incident_id else None, attached)


def webhook_entry(stored: PagerDutyEvent) -> TimelineEntry:
    """A kept webhook event as the timeline line it made when it arrived."""
    event = WebhookEvent(
        event_id=stored.event_id,
        event_type=stored.event_type,
        resource_type="incident",
        occurred_at=stored.occurred_at,
        incident_id=stored.incident_id,
        incident_url=None,
        incident_title=None,
        agent_name=stored.agent_name,
        summary=stored.summary,
    )
    return from_webhook(event)


def backfill_log(
    sessions: sessionmaker[Session],
    client: PagerDutyClient | None,
    postmortem_id: int,
    incident_id: str,
) -> LogOutcome:
    """Read the incident's REST log into the timeline; `client` is None without a token."""
    if client is None:
        return LogOutcome(0, 0, _record(sessions, postmortem_id, Gap.pagerduty_not_configured()))
    _clear(sessions, postmortem_id, NOT_CONFIGURED_SCOPE, GapKind.PAGERDUTY_NOT_CONFIGURED)
    where = f"the PagerDuty log of incident {incident_id}"
    read = added = 0
    try:
        stream = client.iter_log_entries(incident_id)
        for batch in _batches(stream, PAGE_SIZE):
            added += _file_entries(sessions, postmortem_id, batch)
            read += len(batch)
    except PagerDutyError as error:
        gap = Gap.backfill_cut_short(where, f"{str(error).rstrip('.')}; {read} entries read")
        return LogOutcome(read, added, _record(sessions, postmortem_id, gap, incident_id))
    if stream.truncated:
        gap = Gap.backfill_cut_short(where, "PagerDuty lists at most 10,000 log entries")
        return LogOutcome(read, added, _record(sessions, postmortem_id, gap, incident_id))
    _clear(sessions, postmortem_id, f"pagerduty:{incident_id}", GapKind.BACKFILL_CUT_SHORT)
    return LogOutcome(read, added, None)


def _file_entries(
    sessions: sessionmaker[Session], postmortem_id: int, entries: list[LogEntry]
) -> int:
    with sessions.begin() as session:
        postmortem: Postmortem = postmortems.get_or_raise(session, postmortem_id)
        rows = [to_row(from_log_entry(entry), postmortem) for entry in entries]
        stored = timeline.by_keys(session, postmortem_id, "pagerduty", [r.source_key for r in rows])
        fresh = [row for row in rows if row.source_key not in stored]
        return timeline.add_all_unless_exist(session, fresh)


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
    scope = f"pagerduty:{incident_id}" if incident_id else NOT_CONFIGURED_SCOPE
    logger.warning("pagerduty gap postmortem=%s kind=%s", postmortem_id, gap.kind.value)
    with sessions.begin() as session:
        team_id = postmortems.get_or_raise(session, postmortem_id).team_id
        gaps.record(session, stored_gap(team_id, postmortem_id, scope, gap))
    return gap


def _clear(sessions: sessionmaker[Session], postmortem_id: int, scope: str, kind: GapKind) -> None:
    with sessions.begin() as session:
        gaps.clear(session, postmortem_id, scope, (kind.value,))
