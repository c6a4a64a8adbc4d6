"""PagerDuty webhooks (v3): was this delivery signed by PagerDuty, and what does it say.

`verify_signature` checks `X-PagerDuty-Signature`; `parse_webhook` turns a body into a
`WebhookEvent` whose `summary` reads as a timeline line; `parse_incident_ref` reads what a
person typed to name an incident. A body that is not a v3 event raises `BadArguments`: the
route answers 400 for that alone, because PagerDuty retries 5xx but drops other 4xx.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.errors import BadArguments
from bot.pagerduty.payloads import as_dict, name_of, names_of, one_line, parse_utc, text_of

SIGNATURE_PREFIX = "v1="
INCIDENT_ID = re.compile(r"[A-Z][A-Z0-9]{4,19}")
HOW_TO_NAME_AN_INCIDENT = (
    "That doesn't look like a PagerDuty incident. Give its id, like `PT4KHLK`, "
    "or its URL, like `https://acme.pagerduty.com/incidents/PT4KHLK`."
)


@dataclass(frozen=True)
class WebhookEvent:
    """One v3 webhook event; `agent_name` is None when PagerDuty itself acted, `service_id`
    when the body names no service (a note's names only its incident)."""

    event_id: str
    event_type: str
    resource_type: str
    occurred_at: datetime
    incident_id: str | None
    incident_url: str | None
    incident_title: str | None
    agent_name: str | None
    summary: str
    service_id: str | None = None
    service_name: str | None = None


def verify_signature(body: bytes, header: str | None, secrets: Sequence[str]) -> bool:
    """Whether any `v1=` signature in `header` is the HMAC-SHA256 of `body` under any secret.

    While a secret rotates PagerDuty signs with both and sends both values."""
    candidates = _signatures(header)
    matched = False
    for secret in filter(None, secrets):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        for candidate in candidates:
            # No early exit: every comparison costs the same whichever one matches.
            matched |= hmac.compare_digest(expected, candidate)
    return matched


def _signatures(header: str | None) -> list[bytes]:
    if not header:
        return []
    values = (part.strip() for part in header.split(","))
    return [
        value.removeprefix(SIGNATURE_PREFIX).lower().encode("utf-8", "replace")
        for value in values
        if value.startswith(SIGNATURE_PREFIX) and len(value) > len(SIGNATURE_PREFIX)
    ]


def parse_webhook(body: bytes) -> WebhookEvent:
    """The event in a v3 webhook body; BadArguments when it is not JSON or not a v3 event."""
    event = _event_object(body)
    event_type = _required_text(event, "event_type")
    data = as_dict(event.get("data"))
    incident = _incident_of(data)
    facts = _Facts(data=data, agent=name_of(event.get("agent")), title=_title_of(data, incident))
    service = as_dict(incident.get("service"))
    return WebhookEvent(
        event_id=_required_text(event, "id"),
        event_type=event_type,
        resource_type=text_of(event.get("resource_type")) or event_type.split(".")[0],
        occurred_at=_occurred_at(event),
        incident_id=text_of(incident.get("id")),
        incident_url=text_of(incident.get("html_url")),
        incident_title=facts.title,
        agent_name=facts.agent,
        summary=one_line(_summarize(event_type, facts)),
        service_id=text_of(service.get("id")),
        service_name=name_of(service),
    )


def _event_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadArguments("The body is not JSON.") from error
    event = document.get("event") if isinstance(document, dict) else None
    if not isinstance(event, dict):
        raise BadArguments("The body is not a PagerDuty v3 webhook: it has no `event` object.")
    return event


def _required_text(event: dict[str, Any], key: str) -> str:
    value = text_of(event.get(key))
    if value is None:
        raise BadArguments(f"The PagerDuty event has no `{key}`.")
    return value


def _occurred_at(event: dict[str, Any]) -> datetime:
    try:
        return parse_utc(event.get("occurred_at"))
    except ValueError as error:
        raise BadArguments("The PagerDuty event has no readable `occurred_at`.") from error


def _incident_of(data: dict[str, Any]) -> dict[str, Any]:
    """The incident an event is about: `data` itself, or the reference inside it."""
    if data.get("type") == "incident":
        return data
    return as_dict(data.get("incident"))


def _title_of(data: dict[str, Any], incident: dict[str, Any]) -> str | None:
    if incident is data:
        return text_of(data.get("title")) or text_of(data.get("summary"))
    return name_of(incident)


@dataclass(frozen=True)
class _Facts:
    data: dict[str, Any]
    agent: str | None
    title: str | None

    @property
    def by(self) -> str:
        return f" by {self.agent}" if self.agent else ""

    def field(self, key: str) -> str | None:
        return text_of(self.data.get(key))


def _summarize(event_type: str, facts: _Facts) -> str:
    describe = _SUMMARIES.get(event_type)
    if describe is not None:
        return describe(facts)
    return _generic(event_type) + facts.by


def _generic(event_type: str) -> str:
    """A summary from the type's words: "incident.title_updated" -> "Title updated"."""
    words = event_type.removeprefix("incident.").replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "PagerDuty event"


def _triggered(facts: _Facts) -> str:
    return f"Incident triggered: {facts.title}" if facts.title else "Incident triggered"


def _assigned(verb: str) -> Callable[[_Facts], str]:
    def describe(facts: _Facts) -> str:
        assignees = names_of(facts.data.get("assignees"))
        return f"{verb} to {assignees}{facts.by}" if assignees else verb + facts.by

    return describe


def _delegated(facts: _Facts) -> str:
    policy = name_of(facts.data.get("escalation_policy"))
    return f"Delegated to {policy}{facts.by}" if policy else "Delegated" + facts.by


def _priority(facts: _Facts) -> str:
    priority = name_of(facts.data.get("priority"))
    return f"Priority changed to {priority}" if priority else "Priority cleared"


def _responder_added(facts: _Facts) -> str:
    who = name_of(facts.data.get("user")) or name_of(facts.data.get("escalation_policy"))
    return f"Responder requested: {who}{facts.by}" if who else "Responder requested" + facts.by


def _responder_replied(facts: _Facts) -> str:
    who = name_of(facts.data.get("user")) or facts.agent or "A responder"
    state = facts.field("state")
    if state in ("accepted", "declined"):
        return f"{who} {state} the request to respond"
    return f"{who} replied to the request to respond"


def _note(facts: _Facts) -> str:
    content = facts.field("content")
    if content is None:
        return "Note added"
    return f"Note added: {content}" + ("…" if facts.data.get("trimmed") is True else "")


def _status_update(facts: _Facts) -> str:
    message = facts.field("message")
    return f"Status update: {message}" if message else "Status update published"


def _conference_bridge(facts: _Facts) -> str:
    numbers = facts.data.get("conference_numbers")
    first = as_dict(numbers[0]) if isinstance(numbers, list) and numbers else {}
    where = facts.field("conference_url") or text_of(first.get("number"))
    return f"Conference bridge set: {where}" if where else "Conference bridge removed"


def _service_updated(facts: _Facts) -> str:
    service = name_of(facts.data.get("service"))
    return f"Moved to service {service}{facts.by}" if service else "Service changed" + facts.by


def _workflow(verb: str) -> Callable[[_Facts], str]:
    def describe(facts: _Facts) -> str:
        name = name_of(facts.data.get("incident_workflow")) or facts.field("summary")
        return f"Workflow {verb}: {name}" if name else f"Workflow {verb}"

    return describe


def _plain(text: str) -> Callable[[_Facts], str]:
    return lambda facts: text + facts.by


_SUMMARIES: dict[str, Callable[[_Facts], str]] = {
    "incident.triggered": _triggered,
    "incident.acknowledged": _plain("Acknowledged"),
    "incident.unacknowledged": _plain("Unacknowledged"),
    "incident.escalated": _assigned("Escalated"),
    "incident.reassigned": _assigned("Reassigned"),
    "incident.delegated": _delegated,
    "incident.priority_updated": _priority,
    "incident.responder.added": _responder_added,
    "incident.responder.replied": _responder_replied,
    "incident.annotated": _note,
    "incident.reopened": _plain("Incident reopened"),
    "incident.resolved": _plain("Resolved"),
    "incident.status_update_published": _status_update,
    "incident.conference_bridge.updated": _conference_bridge,
    "incident.service_updated": _service_updated,
    "incident.workflow.started": _workflow("started"),
    "incident.workflow.completed": _workflow("completed"),
    "pagey.ping": lambda facts: "Test ping from PagerDuty",
}


def parse_incident_ref(text: str) -> str:
    """The incident id in an id ("PT4KHLK") or an incident URL; BadArguments otherwise."""
    candidate = _unwrap_slack_link(text.strip())
    if INCIDENT_ID.fullmatch(candidate):
        return candidate
    incident_id = _id_from_url(candidate)
    if incident_id is None:
        raise BadArguments(HOW_TO_NAME_AN_INCIDENT)
    return incident_id


def _unwrap_slack_link(text: str) -> str:
    """Slack sends a pasted URL as `<https://...>` or `<https://...|label>`."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1].split("|", 1)[0].strip()
    return text


def _id_from_url(text: str) -> str | None:
    if "://" not in text and "/" in text:
        text = "https://" + text
    try:
        url = urlsplit(text)
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.netloc:
        return None
    parts = [part for part in url.path.split("/") if part]
    for before, after in itertools.pairwise(parts):
        if before == "incidents" and INCIDENT_ID.fullmatch(after):
            return after
    return None
