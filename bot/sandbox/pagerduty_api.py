"""A PagerDuty REST API v2 stand-in: incidents, their log entries and notes.

Served under `/pagerduty`; requires `Authorization: Token token=<token>`.
Lists use PagerDuty's classic pagination (`limit` default 25, at most 100,
`offset`, `more`, and `total` only when asked with `total=true`; a request
past `offset + limit = 10000` is refused with 400). Log entries come newest
first. Over the rate limit: 429 with `ratelimit-limit/-remaining/-reset`.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.rate_limits import RateLimiter
from bot.sandbox.wire import Request, Response, query_params

API = "https://api.pagerduty.com"
MAX_WINDOW = 10_000


@dataclass(frozen=True)
class PagerDutyCall:
    """One REST request: `route` is the path template, e.g. `/incidents/{id}/log_entries`."""

    route: str
    path: str
    params: dict[str, Any]
    status: int
    at: float

    @property
    def method(self) -> str:
        return self.route


def iso(value: datetime | str | None) -> str:
    if value is None:
        value = datetime.now(UTC)
    if isinstance(value, str):
        return value
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.upper())[:6] or "X"


def reference(kind: str, ref_id: str, summary: str, path: str, html: str) -> dict[str, Any]:
    ref = {"id": ref_id, "type": f"{kind}_reference", "summary": summary}
    ref.update({"self": f"{API}/{path}/{ref_id}", "html_url": html})
    return ref


class PagerDutyState:
    """Incidents, log entries and notes, plus the record of REST calls."""

    token = "sandbox-pd-token"
    subdomain = "sandbox"

    def __init__(self, lock: threading.Condition, limiter: RateLimiter, limit: int | None) -> None:
        self.lock = lock
        self.limiter = limiter
        self.rate_limit = limit
        self.incidents: dict[str, dict[str, Any]] = {}
        self.log_entries: dict[str, list[dict[str, Any]]] = {}
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self._calls: list[PagerDutyCall] = []
        self._ids = itertools.count(1)

    @property
    def html_base(self) -> str:
        return f"https://{self.subdomain}.pagerduty.com"

    def add_incident(
        self,
        incident_id: str,
        *,
        title: str,
        service_name: str = "api",
        service_id: str | None = None,
        urgency: str = "high",
        status: str = "triggered",
        created_at: datetime | str | None = None,
        number: int | None = None,
    ) -> dict[str, Any]:
        """Create an incident shaped like PagerDuty's, on the service `service_id` (by default
        one named after `service_name`); returns a copy."""
        with self.lock:
            number = number or len(self.incidents) + 1
            incident = self._incident_body(incident_id, title, number, iso(created_at))
            incident.update(status=status, urgency=urgency)
            service_id = service_id or "PSVC" + _slug(service_name)
            incident["service"] = self._ref("service", service_id, service_name)
            incident["last_status_change_by"] = incident["service"]
            incident["resolved_at"] = incident["created_at"] if status == "resolved" else None
            self.incidents[incident_id] = incident
            self.log_entries.setdefault(incident_id, [])
            self.notes.setdefault(incident_id, [])
            self.lock.notify_all()
            return copy.deepcopy(incident)

    def _incident_body(
        self, incident_id: str, title: str, number: int, created: str
    ) -> dict[str, Any]:
        html = f"{self.html_base}/incidents/{incident_id}"
        incident: dict[str, Any] = {"id": incident_id, "type": "incident"}
        incident.update(summary=f"[#{number}] {title}", self=f"{API}/incidents/{incident_id}")
        incident.update(html_url=html, incident_number=number, title=title)
        incident.update(created_at=created, updated_at=created, last_status_change_at=created)
        incident.update(incident_key=f"sandbox-{incident_id.lower()}", assignments=[])
        incident.update(assigned_via="escalation_policy", teams=[], acknowledgements=[])
        incident["escalation_policy"] = self._ref("escalation_policy", "PSANDEP", "Default")
        incident.update(alert_counts={"all": 1, "triggered": 1, "resolved": 0}, priority=None)
        incident.update(incident_type={"name": "incident_default"}, pending_actions=[])
        incident.update(first_trigger_log_entry=None, is_mergeable=True, alert_grouping=None)
        incident.update(conference_bridge=None, resolve_reason=None, incidents_responders=[])
        incident["responder_requests"] = []
        return incident

    def _ref(self, kind: str, ref_id: str, summary: str) -> dict[str, Any]:
        plural = {"escalation_policy": "escalation_policies", "service": "services"}
        path = plural.get(kind, f"{kind}s")
        html_path = "service-directory" if kind == "service" else path
        return reference(kind, ref_id, summary, path, f"{self.html_base}/{html_path}/{ref_id}")

    def add_log_entry(self, incident_id: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Append a log entry; missing standard fields are filled in. Returns a copy."""
        with self.lock:
            incident = self.incidents[incident_id]
            entry_id = entry.get("id") or f"R{next(self._ids):013d}"
            kind = entry.get("type", "annotate_log_entry")
            full: dict[str, Any] = {"id": entry_id, "type": kind}
            full["summary"] = entry.get("summary", kind.replace("_log_entry", "").capitalize())
            full["self"] = f"{API}/log_entries/{entry_id}?incident_id={incident_id}"
            full["html_url"] = f"{incident['html_url']}/log_entries/{entry_id}"
            full.update(created_at=iso(entry.get("created_at")), channel={"type": "api"})
            full["agent"] = incident["service"]
            full["incident"] = self._incident_ref(incident)
            full.update(teams=[], contexts=[], event_details={})
            full.update({k: v for k, v in entry.items() if k != "created_at"})
            self.log_entries[incident_id].append(full)
            self.lock.notify_all()
            return copy.deepcopy(full)

    def add_note(
        self,
        incident_id: str,
        content: str,
        *,
        user_name: str = "Sandbox Responder",
        created_at: datetime | str | None = None,
    ) -> dict[str, Any]:
        """Add a note to an incident; returns a copy."""
        with self.lock:
            if incident_id not in self.incidents:
                raise KeyError(f"no incident {incident_id}")
            note: dict[str, Any] = {"id": f"PN{next(self._ids):05d}"}
            note["user"] = self._ref("user", f"PU{next(self._ids):05d}", user_name)
            note.update(channel={"summary": "The PagerDuty website or APIs"}, content=content)
            note.update(created_at=iso(created_at), updated_at=iso(created_at))
            self.notes[incident_id].append(note)
            self.lock.notify_all()
            return copy.deepcopy(note)

    @property
    def calls(self) -> list[PagerDutyCall]:
        with self.lock:
            return list(self._calls)

    def call_count(self, route: str) -> int:
        with self.lock:
            return sum(1 for call in self._calls if call.route == route)

    def _incident_ref(self, incident: dict[str, Any]) -> dict[str, Any]:
        return reference(
            "incident", incident["id"], incident["summary"], "incidents", incident["html_url"]
        )

    # -- the REST API (lock held) ---------------------------------------------

    def handle(self, request: Request, path: str) -> Response:
        params = query_params(request.query)
        route, response = self._route(request, path, params)
        self._calls.append(PagerDutyCall(route, path, params, response.status, time.time()))
        self.lock.notify_all()
        return response

    def _route(self, request: Request, path: str, params: dict[str, Any]) -> tuple[str, Response]:
        parts = [p for p in path.split("/") if p]
        route = "/" + "/".join("{id}" if i == 1 else p for i, p in enumerate(parts))
        if request.header("authorization") != f"Token token={self.token}":
            return route, error(401, "Unauthorized", 2006)
        limited = self._rate_limited()
        if limited is not None:
            return route, limited
        if request.method != "GET" or not parts or parts[0] != "incidents" or len(parts) > 3:
            return route, error(404, "Not Found", 2100)
        if len(parts) == 1:
            return route, self._paged("incidents", list(self.incidents.values()), params)
        incident = self.incidents.get(parts[1])
        if incident is None:
            return route, error(404, "Incident Not Found", 5001)
        if len(parts) == 2:
            return route, self._ok({"incident": incident})
        if parts[2] == "log_entries":
            entries = sorted(
                self.log_entries[parts[1]], key=lambda e: e["created_at"], reverse=True
            )
            return route, self._paged("log_entries", entries, params)
        if parts[2] == "notes":
            return route, self._ok({"notes": self.notes[parts[1]]})
        return route, error(404, "Not Found", 2100)

    def _paged(self, key: str, items: list[dict[str, Any]], params: dict[str, Any]) -> Response:
        try:
            limit = min(max(int(params.get("limit", 25)), 1), 100)
            offset = max(int(params.get("offset", 0)), 0)
        except ValueError:
            return error(400, "Invalid Input Provided", 2001, ["limit and offset must be integers"])
        if offset + limit > MAX_WINDOW:
            detail = f"Offset must be less than or equal to {MAX_WINDOW} minus limit"
            return error(400, "Invalid Input Provided", 2001, [detail])
        wants_total = str(params.get("total", "")).lower() == "true"
        page = items[offset : offset + limit]
        body = {key: page, "limit": limit, "offset": offset, "more": offset + limit < len(items)}
        body["total"] = len(items) if wants_total else None
        return self._ok(body)

    def _rate_limited(self) -> Response | None:
        wait = self.limiter.acquire(f"pagerduty:{self.token}", self.rate_limit)
        if wait is None or self.rate_limit is None:
            return None
        headers = {"ratelimit-limit": str(self.rate_limit), "ratelimit-remaining": "0"}
        headers["ratelimit-reset"] = str(max(1, math.ceil(wait)))
        return Response.json(
            429, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, headers
        )

    def _ok(self, body: dict[str, Any]) -> Response:
        headers: dict[str, str] = {}
        if self.rate_limit is not None:
            left = self.limiter.remaining(f"pagerduty:{self.token}", self.rate_limit)
            headers["ratelimit-limit"] = str(self.rate_limit)
            headers["ratelimit-remaining"] = str(left)
            headers["ratelimit-reset"] = str(max(1, math.ceil(self.limiter.window)))
        return Response.json(200, body, headers)


def error(status: int, message: str, code: int, errors: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return Response.json(status, {"error": body})
