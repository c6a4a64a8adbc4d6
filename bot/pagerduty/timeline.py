"""PagerDuty webhook events and log entries as timeline entries.

Both feeds map onto the same kinds ("trigger", "acknowledged", "resolved", "note", ...), so
`bot.core.timeline.merge` can tell when they report the same happening.
"""

from __future__ import annotations

from bot.core.timeline import ACKNOWLEDGED, NOTE, REOPENED, RESOLVED, TRIGGER, TimelineEntry
from bot.pagerduty.log_entries import LogEntry
from bot.pagerduty.webhook import WebhookEvent

SYSTEM_ACTOR = "PagerDuty"
MAX_KIND = 32

_EVENT_KINDS = {
    "incident.triggered": TRIGGER,
    "incident.acknowledged": ACKNOWLEDGED,
    "incident.unacknowledged": "unacknowledged",
    "incident.resolved": RESOLVED,
    "incident.reopened": REOPENED,
    "incident.escalated": "escalated",
    "incident.reassigned": "reassigned",
    "incident.delegated": "delegated",
    "incident.annotated": NOTE,
    "incident.priority_updated": "priority_updated",
    "incident.responder.added": "responder_added",
    "incident.responder.replied": "responder_replied",
    "incident.status_update_published": "status_update",
    "incident.conference_bridge.updated": "conference_bridge",
    "incident.service_updated": "service_updated",
    "incident.workflow.started": "workflow_started",
    "incident.workflow.completed": "workflow_completed",
}

_LOG_KINDS = {
    "trigger_log_entry": TRIGGER,
    "acknowledge_log_entry": ACKNOWLEDGED,
    "unacknowledge_log_entry": "unacknowledged",
    "resolve_log_entry": RESOLVED,
    "reopen_log_entry": REOPENED,
    "escalate_log_entry": "escalated",
    "assign_log_entry": "reassigned",
    "delegate_log_entry": "delegated",
    "annotate_log_entry": NOTE,
    "priority_change_log_entry": "priority_updated",
    "responder_request_log_entry": "responder_added",
    "responder_accept_log_entry": "responder_replied",
    "responder_decline_log_entry": "responder_replied",
    "status_update_log_entry": "status_update",
    "notify_log_entry": "notified",
}


def event_kind(event_type: str) -> str:
    """The timeline kind of a webhook event type; unknown types keep their own words."""
    known = _EVENT_KINDS.get(event_type)
    if known is not None:
        return known
    return event_type.removeprefix("incident.").replace(".", "_")[:MAX_KIND]


def log_entry_kind(entry_type: str) -> str:
    """The timeline kind of a log entry type; unknown types keep their own words."""
    known = _LOG_KINDS.get(entry_type)
    if known is not None:
        return known
    return entry_type.removesuffix("_log_entry")[:MAX_KIND]


def from_webhook(event: WebhookEvent) -> TimelineEntry:
    return TimelineEntry(
        occurred_at=event.occurred_at,
        source="pagerduty",
        source_key=event.event_id,
        text=event.summary,
        actor=event.agent_name or SYSTEM_ACTOR,
        kind=event_kind(event.event_type),
        incident_id=event.incident_id,
        via="webhook",
    )


def from_log_entry(entry: LogEntry) -> TimelineEntry:
    return TimelineEntry(
        occurred_at=entry.created_at,
        source="pagerduty",
        source_key=entry.id,
        text=entry.summary,
        actor=entry.agent_name or SYSTEM_ACTOR,
        kind=log_entry_kind(entry.type),
        incident_id=entry.incident_id,
        via="log",
    )
