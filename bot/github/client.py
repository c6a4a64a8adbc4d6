"""GitHub's REST API over httpx: file an issue, find the ones already filed.

Looking for filed issues lists the repository's issues labelled `post-mortem` (open and
closed) and reads each body's hidden marker: a listing is consistent at once, where the
search API lags behind a creation. Refusals become `bot.trackers.errors` (the shared
REST plumbing is `bot.trackers.rest`). The token goes into the Authorization header and
nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Unpack
from urllib.parse import quote

import httpx

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

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 20
_ISSUE_URL = re.compile(r"/issues/(\d{1,12})/?$")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")


def valid_repository(name: str) -> bool:
    return bool(_REPOSITORY.fullmatch(name))


class GitHubClient(RestTracker):
    """Files and finds issues with one token."""

    name = "GitHub"

    def __init__(self, base_url: str, token: str, **options: Unpack[RestOptions]) -> None:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        super().__init__(base_url, headers=headers, **options)

    def find(self, target: str, markers: Iterable[str]) -> dict[str, Ticket]:
        wanted, found = set(markers), {}
        path = f"{_repo_path(target)}/issues"
        for page in range(1, MAX_PAGES + 1):
            params = {"labels": LABEL, "state": "all", "per_page": PER_PAGE, "page": page}
            issues = self._call("GET", path, target, params=params)
            if not isinstance(issues, list):
                raise TrackerError(f"GitHub's list of issues in {target} is not a list.")
            for issue in issues:
                body = issue.get("body") if isinstance(issue, dict) else None
                for marker in wanted:
                    if isinstance(body, str) and marker in body:
                        found[marker] = _ticket(issue)
            if len(issues) < PER_PAGE or wanted <= found.keys():
                break
        return found

    def create(self, target: str, draft: TicketDraft) -> Ticket:
        payload: dict[str, Any] = {
            "title": draft.title,
            "body": draft.body,
            "labels": list(draft.labels),
        }
        if draft.assignee:
            payload["assignees"] = [draft.assignee]
        issue = self._call("POST", f"{_repo_path(target)}/issues", target, json=payload)
        if not isinstance(issue, dict):
            raise TrackerError(f"GitHub's answer to a new issue in {target} is not an issue.")
        return _ticket(issue)

    def status(self, target: str, url: str) -> Ticket:
        """`GET /repos/{owner}/{repo}/issues/{number}`: the issue `url` names, now.

        An issue transferred to another repository answers 301 to its new place, which
        is followed; a deleted one answers 410, `TrackerGone`."""
        number = _ISSUE_URL.search(url)
        if number is None:
            raise TrackerGone(f"{url} is not the page of a GitHub issue.")
        path = f"{_repo_path(target)}/issues/{number[1]}"
        try:
            issue = self._call("GET", path, target, follow_redirects=True)
        except TrackerRejected as refused:  # a GET of one issue: 410, deleted
            raise TrackerGone(f"GitHub no longer has {url}: {refused}") from None
        if not isinstance(issue, dict):
            raise TrackerError(f"GitHub's answer for an issue in {target} is not an issue.")
        return _ticket(issue)

    def _refusal(self, response: httpx.Response, target: str) -> TrackerError:
        status, said = response.status_code, _message(response)
        remaining = response.headers.get("x-ratelimit-remaining")
        if status == 429 or (
            status == 403 and (remaining == "0" or "retry-after" in response.headers)
        ):
            return self._rate_limited(said, self._retry_at(response))
        if status == 401:
            return TrackerAuthError(
                f"GitHub refused GITHUB_TOKEN ({said}): it is wrong or expired."
            )
        if status == 403:
            return TrackerAuthError(f"GitHub's token may not file issues in {target} ({said}).")
        if status == 404:
            return TrackerNotFound(
                f"GitHub has no repository {target} that the token can see ({said})."
            )
        if status in (400, 410, 422):
            return TrackerRejected(f"GitHub would not take the issue for {target}: {said}.")
        return self._unavailable(status, said)

    def _retry_at(self, response: httpx.Response) -> datetime | None:
        after = self._retry_after(response)
        if after is not None:
            return after
        reset = response.headers.get("x-ratelimit-reset", "").strip()
        if reset.isdigit():
            return datetime.fromtimestamp(int(reset), UTC)
        return None


def _repo_path(target: str) -> str:
    owner, _, name = target.partition("/")
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def _ticket(issue: dict[str, Any]) -> Ticket:
    number, url = issue.get("number"), issue.get("html_url")
    if not isinstance(number, int) or not isinstance(url, str):
        raise TrackerError("GitHub sent an issue without its number or html_url.")
    return Ticket(key=f"#{number}", url=url, closed=issue.get("state") == "closed")


def _message(response: httpx.Response) -> str:
    body = error_body(response)
    if body is None:
        return f"HTTP {response.status_code}"
    said = str(body.get("message") or f"HTTP {response.status_code}")[:200]
    details = [
        str(e.get("message") or " ".join(str(e[k]) for k in ("code", "field") if e.get(k)))[:100]
        for e in body.get("errors") or []
        if isinstance(e, dict) and (e.get("message") or e.get("code"))
    ]
    return f"{said}: {'; '.join(details)}" if details else said
