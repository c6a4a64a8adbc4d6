"""GitHub's `issues` webhook: the signature on the raw body, then what changed (pure).

GitHub signs the body with HMAC-SHA256 under the webhook's secret and sends
`X-Hub-Signature-256: sha256=<hex>`; `X-GitHub-Delivery` names the delivery (a redelivery
keeps it) and `X-GitHub-Event` the kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import BadArguments
from bot.trackers.drafts import item_of
from bot.trackers.signing import signature, verify_signature
from bot.trackers.webhooks import json_document

__all__ = ["STATUS_ACTIONS", "IssueStatus", "parse_issue_event", "signature", "verify_signature"]

STATUS_ACTIONS = ("closed", "reopened")


@dataclass(frozen=True)
class IssueStatus:
    """An issue closed or reopened: which repository, which issue, which item."""

    repository: str
    url: str
    closed: bool
    item_id: int | None
    actor: str | None


def parse_issue_event(body: bytes) -> IssueStatus | None:
    """The status change an `issues` event carries; None for its other actions."""
    document = json_document(body)
    if document.get("action") not in STATUS_ACTIONS:
        return None
    issue, repository = document.get("issue"), document.get("repository")
    if not isinstance(issue, dict) or not isinstance(repository, dict):
        raise BadArguments("an issues event without its issue or repository")
    url, name = issue.get("html_url"), repository.get("full_name")
    if not isinstance(url, str) or not isinstance(name, str):
        raise BadArguments("an issue without html_url or a repository without full_name")
    sender = document.get("sender")
    actor = sender.get("login") if isinstance(sender, dict) else None
    body_text = issue.get("body")
    return IssueStatus(
        repository=name,
        url=url,
        closed=document["action"] == "closed",
        item_id=item_of(body_text if isinstance(body_text, str) else None),
        actor=actor if isinstance(actor, str) else None,
    )
