"""Jira Cloud's issue webhook: the signature on the raw body, then what changed (pure).

A webhook registered with a secret is signed like GitHub's: HMAC-SHA256 of the raw body
under the secret, sent as `X-Hub-Signature: sha256=<hex>` (one home for the check:
`bot.trackers.signing`). `X-Atlassian-Webhook-Identifier` names the
delivery (a retry keeps it). Only `jira:issue_updated` with a `status` change in its
changelog moves an item: into a status whose category is `done` marks it done, into any
other reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.errors import BadArguments
from bot.jira.client import status_category
from bot.jira.document import plain_text
from bot.trackers.drafts import item_of
from bot.trackers.signing import verify_signature
from bot.trackers.webhooks import json_document

ISSUE_UPDATED = "jira:issue_updated"

__all__ = ["ISSUE_UPDATED", "IssueStatus", "parse_issue_updated", "verify_signature"]


@dataclass(frozen=True)
class IssueStatus:
    """An issue moved into or out of done: its project, its key, which item."""

    project: str
    key: str
    closed: bool
    item_id: int | None


def parse_issue_updated(body: bytes) -> IssueStatus | None:
    """The status change an issue webhook carries; None for anything else."""
    document = json_document(body)
    if document.get("webhookEvent") != ISSUE_UPDATED or not _status_changed(document):
        return None
    issue = document.get("issue")
    fields = issue.get("fields") if isinstance(issue, dict) else None
    if not isinstance(issue, dict) or not isinstance(fields, dict):
        raise BadArguments("an issue event without its issue or fields")
    key, project = issue.get("key"), fields.get("project")
    project_key = project.get("key") if isinstance(project, dict) else None
    if not isinstance(key, str) or not isinstance(project_key, str):
        raise BadArguments("an issue without its key or project key")
    return IssueStatus(
        project=project_key,
        key=key,
        closed=status_category(fields) == "done",
        item_id=item_of(plain_text(fields.get("description"))),
    )


def _status_changed(document: dict[str, Any]) -> bool:
    changelog = document.get("changelog")
    items = changelog.get("items") if isinstance(changelog, dict) else None
    return any(isinstance(i, dict) and i.get("field") == "status" for i in items or [])
