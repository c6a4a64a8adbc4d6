"""Linking a PagerDuty incident to a post-mortem, and filing the incident's log on it.

Webhook events arrive whether or not an incident is linked yet (`pagerduty_events`);
linking files the ones already kept. `bot.flows.incident_log` reads the incident's
REST log entries and files them here, a page per transaction, recording a gap when it
cannot read them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session

from bot.core.gathering import Linked
from bot.core.timeline import Gap, GapKind, TimelineEntry
from bot.pagerduty.log_entries import LogEntry
from bot.pagerduty.timeline import from_log_entry, from_webhook
from bot.pagerduty.webhook import WebhookEvent
from bot.services import postmortems
from bot.services.backfill import stored_gap
from bot.services.timeline_rows import to_row
from storage.models import PagerDutyEvent, Postmortem
from storage.repositories import gaps, pagerduty_events, timeline
from storage.repositories import pagerduty_services as incident_turns

NOT_CONFIGURED_SCOPE = "pagerduty"


def link(
    session: Session, postmortem_id: int, incident_id: str, *, single_workspace: bool
) -> Linked:
    """Link `incident_id` and file the webhook events already received for it that the
    post-mortem's workspace may see. The caller has checked that it may see the incident
    (`bot.flows.incident_access`)."""
    incident_turns.hold_incident(session, incident_id)  # a webhook filing it meanwhile
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    previous = postmortem.pagerduty_incident_id
    postmortem.pagerduty_incident_id = incident_id
    attached = file_webhook_events(session, postmortem, single_workspace=single_workspace)
    return Linked(incident_id, previous if previous != incident_id else None, attached)


def file_webhook_events(
    session: Session,
    postmortem: Postmortem,
    *,
    single_workspace: bool,
    only: Collection[str] | None = None,
) -> int:
    """File the kept webhook events of the post-mortem's incident (with `only`, just those
    of these event ids) that its workspace may see and its timeline lacks; how many."""
    incident_id = postmortem.pagerduty_incident_id
    if incident_id is None:
        return 0
    kept = pagerduty_events.list_by_incident(
        session, postmortem.team_id, incident_id, unmapped_too=single_workspace, only=only
    )
    rows = [to_row(webhook_entry(stored), postmortem) for stored in kept]
    stored = timeline.by_keys(session, postmortem.id, "pagerduty", [r.source_key for r in rows])
    return timeline.add_all_unless_exist(
        session, [row for row in rows if row.source_key not in stored]
    )


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


def file_log_entries(session: Session, postmortem_id: int, entries: Sequence[LogEntry]) -> int:
    """File a page of the incident's REST log; how many lines were new to the timeline."""
    postmortem: Postmortem = postmortems.get_or_raise(session, postmortem_id)
    rows = [to_row(from_log_entry(entry), postmortem) for entry in entries]
    stored = timeline.by_keys(session, postmortem_id, "pagerduty", [r.source_key for r in rows])
    fresh = [row for row in rows if row.source_key not in stored]
    return timeline.add_all_unless_exist(session, fresh)


def gap_scope(incident_id: str | None) -> str:
    """Where a PagerDuty gap is filed: the incident's log, or "not configured" at all."""
    return f"pagerduty:{incident_id}" if incident_id else NOT_CONFIGURED_SCOPE


def record_gap(session: Session, postmortem_id: int, gap: Gap, incident_id: str | None) -> None:
    team_id = postmortems.get_or_raise(session, postmortem_id).team_id
    gaps.record(session, stored_gap(team_id, postmortem_id, gap_scope(incident_id), gap))


def clear_gap(session: Session, postmortem_id: int, incident_id: str | None, kind: GapKind) -> None:
    gaps.clear(session, postmortem_id, gap_scope(incident_id), (kind.value,))
