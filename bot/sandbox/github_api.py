"""A GitHub REST API stand-in for issues, and the `issues` webhook GitHub would send.

Mounted under a prefix (`Sandbox.mount("/github", state.route)`); requires
`Authorization: Bearer <token>` (or `token <token>`). What it serves, with GitHub's
shapes (the issue object and the webhook of tests/fixtures, from octokit/webhooks'
payload examples, and the error bodies GitHub's REST description documents):

    GET   /repos/{owner}/{repo}/issues            labels, state (open|closed|all), per_page, page
    GET   /repos/{owner}/{repo}/issues/{number}   -> 200 the issue (state, state_reason)
    POST  /repos/{owner}/{repo}/issues            title (required), body, labels, assignees -> 201
    PATCH /repos/{owner}/{repo}/issues/{number}   state -> 200

401 Bad credentials, 404 Not Found (unknown repository), 422 Validation Failed (no title,
an assignee who is not a collaborator). `refuse(status, times, headers)` answers the next
calls with a refusal (a 403 with `x-ratelimit-remaining: 0` is GitHub's rate limit);
every answer carries `x-ratelimit-limit/-remaining/-reset`, counted down from
`rate_remaining` (set it low to see a client pace itself);
`lose_answers(n)` files the next n issues but answers 502, as a timeout would lose them.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

from bot.github.webhook import signature
from bot.sandbox.tracker_stand_in import Call, Refusal, TrackerStandIn
from bot.sandbox.wire import Request, Response, query_params

TOKEN = "sandbox-github-token"
WEBHOOK_SECRET = "sandbox-github-secret"
API = "https://api.github.com"
WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"
GitHubCall = Call


class GitHubState(TrackerStandIn):
    """Repositories and their issues, the calls made, and refusals to come."""

    prefix = "/github"

    def __init__(self, web_url: str = WEB) -> None:
        super().__init__()
        self.web_url = web_url
        self.repositories: dict[str, set[str]] = {}  # full name -> collaborators' logins
        self.issues: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(444500041)
        self._deliveries = itertools.count(1)
        self.rate_remaining = 5000  # GitHub's hourly budget for a token

    # -- the test's hands -------------------------------------------------------------

    def add_repository(self, full_name: str, collaborators: tuple[str, ...] = ()) -> None:
        with self.lock:
            self.repositories[full_name] = set(collaborators)
            self.issues.setdefault(full_name, [])

    def created(self, full_name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(issue) for issue in self.issues.get(full_name, [])]

    def calls_to(self, method: str) -> list[GitHubCall]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def set_state(
        self, full_name: str, number: int, state: str, *, by: str = "octocat"
    ) -> tuple[bytes, dict[str, str]]:
        """Close or reopen an issue as a person would on github.com; returns the signed
        `issues` webhook (body, headers) GitHub would deliver for it."""
        with self.lock:
            issue = self._issue(full_name, number)
            assert issue is not None, f"no issue {full_name}#{number}"
            _set_state(issue, state)
            payload = {
                "action": "closed" if state == "closed" else "reopened",
                "issue": dict(issue),
                "repository": self._repository(full_name),
                "sender": _user(by),
            }
            body = json.dumps(payload).encode()
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": f"72d3162e-cc78-11e3-81ab-{next(self._deliveries):012d}",
                "X-Hub-Signature-256": signature(body, WEBHOOK_SECRET),
                "User-Agent": "GitHub-Hookshot/044aadd",
            }
            return body, headers

    # -- the API ----------------------------------------------------------------------

    def _answer(self, request: Request, path: str, body: dict[str, Any] | None) -> Response:
        """Every answer with GitHub's rate-limit headers; none left is its 403."""
        if self.rate_remaining <= 0:
            response = _error(403, "API rate limit exceeded")
        else:
            response = self._answer_issues(request, path, body)
            self.rate_remaining -= 1
        reset = int(datetime.now(UTC).timestamp()) + 3600
        rate = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(max(self.rate_remaining, 0)),
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": "core",
        }
        headers = {**rate, **response.headers}  # a queued refusal's own headers win
        return Response(response.status, response.body, response.content_type, headers)

    def _answer_issues(self, request: Request, path: str, body: dict[str, Any] | None) -> Response:
        auth = request.header("authorization")
        if auth not in (f"Bearer {TOKEN}", f"token {TOKEN}"):
            return _error(401, "Bad credentials")
        refusal = self._next_refusal()
        if refusal is not None:
            return refusal
        parts = path.strip("/").split("/")
        if len(parts) < 4 or parts[0] != "repos" or parts[3] != "issues":
            return _error(404, "Not Found")
        full_name = f"{parts[1]}/{parts[2]}"
        if full_name not in self.repositories:
            return _error(404, "Not Found")
        if len(parts) == 4 and request.method == "GET":
            return self._list(full_name, query_params(request.query))
        if len(parts) == 4 and request.method == "POST":
            return self._create(full_name, body or {})
        if len(parts) == 5 and parts[4].isdigit() and request.method == "GET":
            found = self._issue(full_name, int(parts[4]))
            return Response.json(200, found) if found else _error(404, "Not Found")
        if len(parts) == 5 and parts[4].isdigit() and request.method == "PATCH":
            issue = self._issue(full_name, int(parts[4]))
            if issue is None:
                return _error(404, "Not Found")
            if (body or {}).get("state") in ("open", "closed"):
                _set_state(issue, str((body or {})["state"]))
            return Response.json(200, issue)
        return _error(404, "Not Found")

    def _refused(self, refusal: Refusal) -> Response:
        message = {401: "Bad credentials", 403: "API rate limit exceeded", 404: "Not Found"}
        said = message.get(refusal.status, "Server Error")
        return _error(refusal.status, said, headers=refusal.headers)

    def _list(self, full_name: str, params: dict[str, Any]) -> Response:
        state = params.get("state", "open")
        labels = [x for x in str(params.get("labels", "")).split(",") if x]
        per_page = min(int(params.get("per_page", 30)), 100)
        page = max(int(params.get("page", 1)), 1)
        chosen = [
            issue
            for issue in reversed(self.issues[full_name])  # newest first, as GitHub sorts
            if (state == "all" or issue["state"] == state)
            and all(label in {x["name"] for x in issue["labels"]} for label in labels)
        ]
        return Response.json(200, chosen[(page - 1) * per_page : page * per_page])

    def _create(self, full_name: str, body: dict[str, Any]) -> Response:
        title = body.get("title")
        if not isinstance(title, str) or not title:
            return _invalid("missing_field", "title")
        assignees = body.get("assignees") or []
        if any(login not in self.repositories[full_name] for login in assignees):
            return _invalid("invalid", "assignees")
        issue = self._new_issue(full_name, title, body)
        self.issues[full_name].append(issue)
        return self._answer_lost() or Response.json(201, issue)

    def _new_issue(self, full_name: str, title: str, body: dict[str, Any]) -> dict[str, Any]:
        number = len(self.issues[full_name]) + 1
        api = f"{API}/repos/{full_name}/issues/{number}"
        now = _now()
        people = [_user(login) for login in body.get("assignees") or []]
        issue_id = next(self._ids)
        return {
            "url": api,
            "repository_url": f"{API}/repos/{full_name}",
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": f"{self.web_url}/{full_name}/issues/{number}",
            "id": issue_id,
            "node_id": f"I_kwDOsandbox{issue_id}",
            "number": number,
            "title": title,
            "user": _user("postmortem-bot[bot]"),
            "labels": [_label(full_name, name) for name in body.get("labels") or []],
            "state": "open",
            "locked": False,
            "assignee": people[0] if people else None,
            "assignees": people,
            "milestone": None,
            "comments": 0,
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "author_association": "NONE",
            "active_lock_reason": None,
            "body": body.get("body"),
            "state_reason": None,
        }

    def _issue(self, full_name: str, number: int) -> dict[str, Any] | None:
        for issue in self.issues.get(full_name, []):
            if issue["number"] == number:
                return issue
        return None

    def _repository(self, full_name: str) -> dict[str, Any]:
        owner, name = full_name.split("/")
        return {
            "id": 186853002,
            "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
            "name": name,
            "full_name": full_name,
            "private": False,
            "owner": _user(owner),
            "html_url": f"{self.web_url}/{full_name}",
            "url": f"{API}/repos/{full_name}",
        }


def _set_state(issue: dict[str, Any], state: str) -> None:
    issue["state"] = state
    issue["closed_at"] = _now() if state == "closed" else None
    issue["state_reason"] = "completed" if state == "closed" else "reopened"
    issue["updated_at"] = _now()


def _user(login: str) -> dict[str, Any]:
    return {
        "login": login,
        "id": 21031067,
        "node_id": "MDQ6VXNlcjIxMDMxMDY3",
        "url": f"{API}/users/{login}",
        "html_url": f"{WEB}/{login}",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "site_admin": False,
    }


def _label(full_name: str, name: str) -> dict[str, Any]:
    return {
        "id": 1362934389,
        "node_id": "MDU6TGFiZWwxMzYyOTM0Mzg5",
        "url": f"{API}/repos/{full_name}/labels/{name}",
        "name": name,
        "color": "d73a4a",
        "default": False,
        "description": None,
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response.json(
        status, {"message": message, "documentation_url": DOCS, "status": str(status)}, headers
    )


def _invalid(code: str, field: str) -> Response:
    errors = [{"resource": "Issue", "code": code, "field": field}]
    body = {"message": "Validation Failed", "errors": errors, "documentation_url": DOCS}
    return Response.json(422, body)
