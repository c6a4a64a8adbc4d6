"""Incident log entries from PagerDuty's REST API, read into `LogEntry` values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.pagerduty.payloads import as_dict, name_of, one_line, parse_utc, text_of

# What happened, by log entry type; a type not listed is named from its own words.
_LABELS = {
    "trigger_log_entry": "Triggered",
    "acknowledge_log_entry": "Acknowledged",
    "unacknowledge_log_entry": "Unacknowledged",
    "resolve_log_entry": "Resolved",
    "reopen_log_entry": "Reopened",
    "escalate_log_entry": "Escalated",
    "assign_log_entry": "Assigned",
    "delegate_log_entry": "Delegated",
    "annotate_log_entry": "Note added",
    "notify_log_entry": "Notified",
    "snooze_log_entry": "Snoozed",
    "priority_change_log_entry": "Priority changed",
    "urgency_change_log_entry": "Urgency changed",
    "status_update_log_entry": "Status update",
    "responder_request_log_entry": "Responder requested",
    "responder_accept_log_entry": "Responder accepted",
    "responder_decline_log_entry": "Responder declined",
    "exhaust_escalation_path_log_entry": "Escalation path exhausted",
}


@dataclass(frozen=True)
class LogEntry:
    """One line of an incident's log; `agent_name` is None when PagerDuty itself acted."""

    id: str
    type: str
    created_at: datetime
    agent_name: str | None
    summary: str
    incident_id: str


def parse_log_entry(raw: object, incident_id: str) -> LogEntry:
    """A log entry from the REST API; ValueError when it lacks an id, a type or a time."""
    entry = as_dict(raw)
    entry_id = text_of(entry.get("id"))
    entry_type = text_of(entry.get("type"))
    if entry_id is None or entry_type is None:
        raise ValueError("a log entry without an id or a type")
    agent = name_of(entry.get("agent"))
    summary = text_of(entry.get("summary")) or _built_summary(entry, entry_type, agent)
    return LogEntry(
        id=entry_id,
        type=entry_type,
        created_at=parse_utc(entry.get("created_at")),
        agent_name=agent,
        summary=one_line(summary),
        incident_id=text_of(as_dict(entry.get("incident")).get("id")) or incident_id,
    )


def _built_summary(entry: dict[str, Any], entry_type: str, agent: str | None) -> str:
    """A line like "Acknowledged by Jane via mobile", for entries without a summary."""
    channel = as_dict(entry.get("channel"))
    words = [label(entry_type)]
    if agent:
        words.append(f"by {agent}")
    if channel_type := text_of(channel.get("type")):
        words.append(f"via {channel_type.replace('_', ' ')}")
    line = " ".join(words)
    detail = text_of(channel.get("summary"))
    return f"{line}: {detail}" if detail else line


def label(entry_type: str) -> str:
    """What happened, by type: "Acknowledged" for "acknowledge_log_entry"."""
    known = _LABELS.get(entry_type)
    if known is not None:
        return known
    words = entry_type.removesuffix("_log_entry").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Log entry"
