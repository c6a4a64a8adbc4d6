"""A Jira Cloud REST API v3 stand-in for issues, and the issue webhook Jira would send.

Mounted under a prefix (`Sandbox.mount("/jira", state.route)`), so JIRA_URL is the
sandbox's `/jira`; requires basic auth `EMAIL:TOKEN`. What it serves, with Atlassian's
shapes (REST v3: the created-issue answer `{id, key, self}`, the enhanced search's
`{issues, nextPageToken, isLast}`, user objects with `accountId`, error collections
`{errorMessages, errors}`; the webhook as tests/fixtures' recorded Jira Cloud payload):

    POST /rest/api/3/issue          fields: project.key, issuetype.name, summary, description
                                    (an ADF doc), labels, duedate, priority.name,
                                    assignee.accountId -> 201
    POST /rest/api/3/search/jql     jql `project = "KEY" AND labels = "L"`, fields,
                                    maxResults, nextPageToken -> 200
    GET  /rest/api/3/user/search    query (an email) -> 200, a list of users
    GET  /rest/api/3/issue/{key}    fields (e.g. `status`) -> 200 {id, key, self, fields}

401 (no or wrong credentials, Jira's HTML-less `{}`-bodied answer is given as an error
collection here), 400 with `errors` per field (unknown project, no summary, a description
that is no ADF document, an unknown priority or assignee). `refuse(status, times,
headers)` answers the next calls with a refusal (429 with Retry-After is the rate limit);
`lose_answers(n)` files the next n issues but answers 502; `move(key, status, category)`
moves an issue as a person would and returns the signed webhook Jira would deliver.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from bot.jira.document import plain_text
from bot.sandbox.tracker_stand_in import Call, Refusal, TrackerStandIn
from bot.sandbox.wire import Request, Response, basic_credentials, query_params
from bot.trackers.signing import signature

EMAIL = "postmortem-bot@acme.example"
TOKEN = "sandbox-jira-token"
WEBHOOK_SECRET = "sandbox-jira-secret"
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
CATEGORIES = {"new": (2, "To Do"), "indeterminate": (4, "In Progress"), "done": (3, "Done")}
_JQL = re.compile(r'project\s*=\s*"?([A-Z][A-Z0-9_]*)"?(?:\s+AND\s+labels\s*=\s*"?([^"\s]+)"?)?')
JiraCall = Call


class JiraState(TrackerStandIn):
    """Projects, their people and issues, the calls made, and refusals to come."""

    prefix = "/jira"

    def __init__(self, site: str = "https://acme.atlassian.net") -> None:
        super().__init__()
        self.site = site.rstrip("/")
        self.projects: dict[str, dict[str, str]] = {}  # key -> email -> accountId
        self.issues: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(10000)
        self._deliveries = itertools.count(1)

    # -- the test's hands -------------------------------------------------------------

    def add_project(self, key: str, people: dict[str, str] | None = None) -> None:
        """A project and the Atlassian accounts (email -> accountId) that can be assigned."""
        with self.lock:
            self.projects[key] = dict(people or {})
            self.issues.setdefault(key, [])

    def created(self, project: str) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(json.dumps(issue)) for issue in self.issues.get(project, [])]

    def calls_to(self, method: str, path: str | None = None) -> list[JiraCall]:
        with self.lock:
            return [
                c for c in self.calls if c.method == method and (path is None or c.path == path)
            ]

    def move(
        self, key: str, status: str, category: str, *, by: str = "Carmen Diaz"
    ) -> tuple[bytes, dict[str, str]]:
        """Move an issue into `status` (of `category`: new, indeterminate, done) as a person
        would in Jira; returns the signed `jira:issue_updated` webhook (body, headers)."""
        with self.lock:
            issue = self._issue(key)
            assert issue is not None, f"no issue {key}"
            before = issue["fields"]["status"]
            after = _status(self.site, status, category)
            issue["fields"]["status"] = after
            fields = dict(issue["fields"])
            fields["description"] = plain_text(fields.get("description"))  # v2 shape, as sent
            payload = {
                "timestamp": int(datetime.now(UTC).timestamp() * 1000),
                "webhookEvent": "jira:issue_updated",
                "issue_event_type_name": "issue_generic",
                "user": _user(self.site, "5b10a2844c20165700ede21g", by),
                "issue": {**issue, "fields": fields},
                "changelog": {
                    "id": str(next(self._ids)),
                    "items": [
                        {
                            "field": "status",
                            "fieldtype": "jira",
                            "fieldId": "status",
                            "from": before["id"],
                            "fromString": before["name"],
                            "to": after["id"],
                            "toString": after["name"],
                        }
                    ],
                },
            }
            body = json.dumps(payload).encode()
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-Atlassian-Webhook-Identifier": f"{next(self._deliveries)}-sandbox-jira",
                "X-Hub-Signature": signature(body, WEBHOOK_SECRET),
                "User-Agent": "Atlassian Webhook HTTP Client",
            }
            return body, headers

    # -- the API ----------------------------------------------------------------------

    def _answer(self, request: Request, path: str, body: dict[str, Any] | None) -> Response:
        if basic_credentials(request) != (EMAIL, TOKEN):
            return _errors(401, ["Client must be authenticated to access this resource."])
        refusal = self._next_refusal()
        if refusal is not None:
            return refusal
        if path == "/rest/api/3/issue" and request.method == "POST":
            return self._create(body or {})
        if path == "/rest/api/3/search/jql" and request.method == "POST":
            return self._search(body or {})
        if path == "/rest/api/3/user/search" and request.method == "GET":
            return self._users(str(query_params(request.query).get("query", "")))
        if path.startswith("/rest/api/3/issue/") and request.method == "GET":
            return self._get(path.rsplit("/", 1)[-1], query_params(request.query))
        return _errors(404, ["Not Found"])

    def _get(self, key: str, params: dict[str, Any]) -> Response:
        issue = self._issue(key)
        if issue is None:
            return _errors(404, ["Issue does not exist or you do not have permission to see it."])
        wanted = [f for f in str(params.get("fields", "")).split(",") if f]
        fields = issue["fields"]
        shown = {name: fields[name] for name in wanted if name in fields} if wanted else fields
        return Response.json(200, {**issue, "fields": shown})

    def _refused(self, refusal: Refusal) -> Response:
        said = {429: "Rate limit exceeded.", 403: "You do not have permission."}
        return _errors(refusal.status, [said.get(refusal.status, "Refused.")], refusal.headers)

    def _create(self, body: dict[str, Any]) -> Response:
        fields = body.get("fields") if isinstance(body.get("fields"), dict) else {}
        assert isinstance(fields, dict)
        project = (fields.get("project") or {}).get("key")
        people = self.projects.get(project) if isinstance(project, str) else None
        problems = _problems(fields, people)
        if problems or not isinstance(project, str):
            return Response.json(400, {"errorMessages": [], "errors": problems})
        number = len(self.issues[project]) + 1
        issue_id = str(next(self._ids))
        key = f"{project}-{number}"
        issue = {
            "id": issue_id,
            "key": key,
            "self": f"{self.site}/rest/api/3/issue/{issue_id}",
            "fields": self._fields(project, fields),
        }
        self.issues[project].append(issue)
        return self._answer_lost() or Response.json(
            201, {"id": issue_id, "key": key, "self": issue["self"]}
        )

    def _fields(self, project: str, fields: dict[str, Any]) -> dict[str, Any]:
        people = {v: k for k, v in self.projects[project].items()}
        assignee = (fields.get("assignee") or {}).get("accountId")
        priority = (fields.get("priority") or {}).get("name", "Medium")
        return {
            "summary": fields["summary"],
            "issuetype": {"name": fields["issuetype"]["name"], "subtask": False},
            "project": {"key": project, "self": f"{self.site}/rest/api/3/project/{project}"},
            "description": fields.get("description"),
            "labels": list(fields.get("labels") or []),
            "duedate": fields.get("duedate"),
            "priority": {"name": priority, "id": PRIORITIES[priority]},
            "assignee": _user(self.site, assignee, people[assignee]) if assignee else None,
            "status": _status(self.site, "To Do", "new"),
        }

    def _search(self, body: dict[str, Any]) -> Response:
        found = _JQL.match(str(body.get("jql", "")))
        if found is None or found.group(1) not in self.projects:
            return _errors(400, ["Error in the JQL Query: unsupported by the sandbox."])
        project, label = found.group(1), found.group(2)
        chosen = [
            i for i in self.issues[project] if label is None or label in i["fields"]["labels"]
        ]
        size = max(1, min(int(body.get("maxResults") or 50), 5000))
        start = int(body.get("nextPageToken") or 0)
        wanted = body.get("fields") or ["summary"]
        page = [
            {**i, "fields": {k: v for k, v in i["fields"].items() if k in wanted}}
            for i in chosen[start : start + size]
        ]
        answer: dict[str, Any] = {"issues": page, "isLast": start + size >= len(chosen)}
        if not answer["isLast"]:
            answer["nextPageToken"] = str(start + size)
        return Response.json(200, answer)

    def _users(self, query: str) -> Response:
        users = {
            account: email
            for people in self.projects.values()
            for email, account in people.items()
            if query and query.lower() in email.lower()
        }
        answer = [
            _user(self.site, account, email.split("@")[0], email)
            for account, email in users.items()
        ]
        return Response.json(200, answer)

    def _issue(self, key: str) -> dict[str, Any] | None:
        for issue in self.issues.get(key.rsplit("-", 1)[0], []):
            if issue["key"] == key:
                return issue
        return None


def _problems(fields: dict[str, Any], people: dict[str, str] | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if people is None:
        return {"project": "Specify a valid project ID or key"}
    if not isinstance(fields.get("summary"), str) or not fields["summary"].strip():
        problems["summary"] = "You must specify a summary of the issue."
    if not isinstance((fields.get("issuetype") or {}).get("name"), str):
        problems["issuetype"] = "Specify an issue type"
    description = fields.get("description")
    if description is not None and not (
        isinstance(description, dict)
        and description.get("type") == "doc"
        and description.get("version") == 1
    ):
        problems["description"] = "Operation value must be an Atlassian Document (see ADF)."
    priority = (fields.get("priority") or {}).get("name")
    if priority is not None and priority not in PRIORITIES:
        problems["priority"] = f"Specify the Priority (name) in the string format: {priority}"
    assignee = (fields.get("assignee") or {}).get("accountId")
    if assignee is not None and assignee not in people.values():
        problems["assignee"] = f"User '{assignee}' cannot be assigned issues."
    due = fields.get("duedate")
    if due is not None:
        try:
            date.fromisoformat(str(due))
        except ValueError:
            problems["duedate"] = "Error parsing date string: " + str(due)
    labels = fields.get("labels") or []
    if any(not isinstance(x, str) or " " in x for x in labels):
        problems["labels"] = "The label can't contain spaces."
    return problems


def _status(site: str, name: str, category: str) -> dict[str, Any]:
    category_id, category_name = CATEGORIES[category]
    status_id = str(10000 + category_id)
    return {
        "self": f"{site}/rest/api/3/status/{status_id}",
        "name": name,
        "id": status_id,
        "statusCategory": {
            "self": f"{site}/rest/api/3/statuscategory/{category_id}",
            "id": category_id,
            "key": category,
            "name": category_name,
        },
    }


def _user(site: str, account: str, name: str, email: str | None = None) -> dict[str, Any]:
    user: dict[str, Any] = {
        "self": f"{site}/rest/api/3/user?accountId={account}",
        "accountId": account,
        "accountType": "atlassian",
        "displayName": name,
        "active": True,
        "timeZone": "UTC",
    }
    if email:
        user["emailAddress"] = email
    return user


def _errors(status: int, messages: list[str], headers: dict[str, str] | None = None) -> Response:
    return Response.json(status, {"errorMessages": messages, "errors": {}}, headers)


__all__ = ["EMAIL", "TOKEN", "WEBHOOK_SECRET", "JiraCall", "JiraState"]
