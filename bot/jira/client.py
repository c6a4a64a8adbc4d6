"""Jira Cloud's REST API v3 over httpx: file an issue, find the ones already filed.

Finding lists the project's issues labelled `post-mortem` (`POST /rest/api/3/search/jql`,
paged by `nextPageToken`) and reads each description's hidden marker, a text node of its
Atlassian Document Format; filing (`POST /rest/api/3/issue`) sends the summary, the
description, labels, due date, priority (High/Medium/Low by name) and the assignee, whose
accountId is looked up by the owner's email (`GET /rest/api/3/user/search`). Basic auth
with JIRA_EMAIL:JIRA_API_TOKEN, in the Authorization header and nowhere else. Refusals
become `bot.trackers.errors` (the shared REST plumbing is `bot.trackers.rest`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Unpack

import httpx

from bot.jira.document import adf, plain_text
from bot.trackers.base import Ticket, TicketDraft
from bot.trackers.drafts import LABEL
from bot.trackers.errors import (
    TrackerAuthError,
    TrackerError,
    TrackerGone,
    TrackerNotFound,
    TrackerRejected,
)
from bot.trackers.rest import RestOptions, RestTracker, error_body

ISSUE_TYPE = "Task"
PAGE_SIZE = 100
MAX_PAGES = 20
PRIORITIES = {"high": "High", "medium": "Medium", "low": "Low"}
_PROJECT = re.compile(r"[A-Z][A-Z0-9_]{1,9}")
_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]{1,9}-[0-9]{1,12}")
_FIELDS = ["summary", "status", "description", "labels"]


def valid_project(key: str) -> bool:
    """A Jira project key: an upper-case letter, then letters, digits or _ (2-10)."""
    return bool(_PROJECT.fullmatch(key))


class JiraClient(RestTracker):
    """Files and finds issues on one Jira Cloud site with one account's API token."""

    name = "Jira"

    def __init__(
        self, base_url: str, email: str, api_token: str, **options: Unpack[RestOptions]
    ) -> None:
        auth = httpx.BasicAuth(email, api_token)
        super().__init__(base_url, headers={"Accept": "application/json"}, auth=auth, **options)

    def browse_url(self, key: str) -> str:
        return browse_url(self.base_url, key)

    def find(self, target: str, markers: Iterable[str]) -> dict[str, Ticket]:
        wanted, found = set(markers), {}
        query: dict[str, Any] = {
            "jql": f'project = "{target}" AND labels = "{LABEL}" ORDER BY created ASC',
            "fields": _FIELDS,
            "maxResults": PAGE_SIZE,
        }
        for _ in range(MAX_PAGES):
            page = self._call("POST", "/rest/api/3/search/jql", target, json=query)
            issues = page.get("issues") if isinstance(page, dict) else None
            if not isinstance(issues, list):
                raise TrackerError(f"Jira's search of {target} sent no list of issues.")
            for issue in issues:
                fields = issue.get("fields") if isinstance(issue, dict) else None
                text = plain_text(fields.get("description")) if isinstance(fields, dict) else ""
                for marker in wanted:
                    if marker in text:
                        found[marker] = self._ticket(issue)
            token = page.get("nextPageToken")
            if page.get("isLast", True) or not token or wanted <= found.keys():
                break
            query["nextPageToken"] = token
        return found

    def create(self, target: str, draft: TicketDraft) -> Ticket:
        fields: dict[str, Any] = {
            "project": {"key": target},
            "issuetype": {"name": ISSUE_TYPE},
            "summary": draft.title[:255],
            "description": adf(draft.body),
            "labels": [label.replace(" ", "-") for label in draft.labels],
        }
        if draft.due:
            fields["duedate"] = draft.due.isoformat()
        if draft.priority and draft.priority.lower() in PRIORITIES:
            fields["priority"] = {"name": PRIORITIES[draft.priority.lower()]}
        account = self.account_id(draft.assignee, target) if draft.assignee else None
        if account:
            fields["assignee"] = {"accountId": account}
        issue = self._call("POST", "/rest/api/3/issue", target, json={"fields": fields})
        if not isinstance(issue, dict):
            raise TrackerError(f"Jira's answer to a new issue in {target} is not an issue.")
        return self._ticket(issue, closed=False)

    def account_id(self, email: str, target: str) -> str | None:
        """The accountId of the active Atlassian account with that email, if Jira shows one."""
        users = self._call("GET", "/rest/api/3/user/search", target, params={"query": email})
        for user in users if isinstance(users, list) else []:
            if not isinstance(user, dict) or user.get("active") is False:
                continue
            shown = user.get("emailAddress")
            if isinstance(shown, str) and shown.lower() != email.lower():
                continue
            account = user.get("accountId")
            if isinstance(account, str) and account:
                return account
        return None

    def status(self, target: str, url: str) -> Ticket:
        """`GET /rest/api/3/issue/{key}?fields=status`: done when its status category is."""
        key = url.rstrip("/").rsplit("/", 1)[-1]
        if not _ISSUE_KEY.fullmatch(key):
            raise TrackerGone(f"{url} is not the page of a Jira issue.")
        issue = self._call("GET", f"/rest/api/3/issue/{key}", target, params={"fields": "status"})
        return self._ticket(issue)

    def _ticket(self, issue: Any, closed: bool | None = None) -> Ticket:
        key = issue.get("key") if isinstance(issue, dict) else None
        if not isinstance(key, str) or not key:
            raise TrackerError("Jira sent an issue without its key.")
        if closed is None:
            closed = status_category(issue.get("fields")) == "done"
        return Ticket(key=key, url=self.browse_url(key), closed=closed)

    def _refusal(self, response: httpx.Response, target: str) -> TrackerError:
        status, said = response.status_code, _message(response)
        if status == 429:
            return self._rate_limited(said, self._retry_after(response))
        if status == 401:
            return TrackerAuthError(
                f"Jira refused JIRA_EMAIL/JIRA_API_TOKEN ({said}): wrong or expired."
            )
        if status == 403:
            return TrackerAuthError(f"Jira's account may not file issues in {target} ({said}).")
        if status == 404:
            return TrackerNotFound(f"Jira has no project {target} the account can see ({said}).")
        if status in (400, 422):
            return TrackerRejected(f"Jira would not take the issue for {target}: {said}.")
        return self._unavailable(status, said)


def browse_url(site: str, key: str) -> str:
    """The page people open for issue `key`: what an item's ticket link is."""
    return f"{site.rstrip('/')}/browse/{key}"


def status_category(fields: Any) -> str | None:
    """`fields.status.statusCategory.key` (`new`, `indeterminate`, `done`), if present."""
    status = fields.get("status") if isinstance(fields, dict) else None
    category = status.get("statusCategory") if isinstance(status, dict) else None
    key = category.get("key") if isinstance(category, dict) else None
    return key if isinstance(key, str) else None


def _message(response: httpx.Response) -> str:
    """Jira's `errorMessages` and `errors` (field: message), shortened."""
    body = error_body(response)
    if body is None:
        return f"HTTP {response.status_code}"
    parts = [str(m)[:100] for m in body.get("errorMessages") or [] if m]
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts += [f"{field}: {str(m)[:100]}" for field, m in errors.items()]
    return "; ".join(parts)[:300] or f"HTTP {response.status_code}"
