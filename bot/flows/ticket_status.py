"""A ticket's status back on its action item: kept in the inbox, applied once, said once.

GitHub's and Jira's webhooks (`bot.http.github_requests`, `bot.http.jira_requests`) and
the periodic sync (`bot.jobs.tracker_sync`) all end here, by one path:

1. `record`: what the tracker says (`Reported`: which ticket, closed or not, the item its
   marker names) goes into the inbox under the sender's id (a webhook's delivery id; the
   sync's item, direction and ticket's change time), in the transaction the caller
   answers after. A redelivery, or a second replica's sync of the same change, is that
   same key: recorded once. Items of one ticket run in order (`order_key`).
2. `apply`, run by the inbox worker (`bot.inbox.tickets`) outside any transaction: one transaction
   applies it (only to the item that links that very ticket, in a workspace that files
   in that repository or project, the item row locked, so two reporters of one change
   move it once) and, if it moved, claims the thread line under the inbox item's id.
3. `say`: after that commit, the line is posted stamped with Slack metadata, then confirmed.
   A crash before the confirmation leaves the inbox item unfinished; its replay finds
   the item already moved but its line still claimed, takes the claim back (the inbox
   item is this worker's alone), looks for the stamp in the thread and posts only if it
   is not there.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.errors import BadArguments
from bot.flows import slack_once
from bot.flows.followup_delivery import PERMANENT_ERRORS
from bot.services import tickets as ticket_service
from bot.services.tickets import GITHUB, JIRA, StatusChange
from storage.models import utcnow
from storage.repositories import inbox
from storage.repositories.followup_claims import Claim

logger = logging.getLogger(__name__)

KIND = "ticket_status"
HANDLER = "ticket_status"
SYNC = "tracker_sync"  # the inbox source of what the periodic sync found
SOURCES = frozenset({GITHUB, JIRA, SYNC})
NOTE_METADATA = "postmortem_ticket_note"
KEY_LENGTH = 128  # storage.models.InboxItem.delivery_key


@dataclass(frozen=True)
class Reported:
    """What a tracker said of one ticket: `target` is its repository (`owner/name`) or
    Jira project key, `url` the ticket's (for Jira, JIRA_URL/browse/KEY), `item_id` the
    item its hidden marker names (None when the body lost it: the link alone decides)."""

    system: str
    target: str
    url: str
    closed: bool
    item_id: int | None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, payload: str) -> Reported:
        try:
            data = json.loads(payload)
            reported = cls(
                system=str(data["system"]),
                target=str(data["target"]),
                url=str(data["url"]),
                closed=bool(data["closed"]),
                item_id=None if data.get("item_id") is None else int(data["item_id"]),
            )
        except (ValueError, TypeError, KeyError) as error:
            raise BadArguments(f"unreadable ticket status: {type(error).__name__}") from None
        if reported.system not in (GITHUB, JIRA):
            raise BadArguments(f"unknown tracker {reported.system}")
        return reported


def delivery_key(sent_id: str | None, body: bytes) -> str:
    """The sender's id of a delivery, or (none sent) a digest of what was sent."""
    if sent_id:
        return sent_id[:KEY_LENGTH]
    return "sha256-" + hashlib.sha256(body).hexdigest()[:40]


def record(session: Session, *, source: str, key: str, reported: Reported, now: datetime) -> bool:
    """Keep `reported` in the inbox for the worker; False when this key was kept before."""
    return inbox.add(
        session,
        source=source,
        kind=KIND,
        delivery_key=key[:KEY_LENGTH],
        handler=HANDLER,
        payload=reported.to_json(),
        order_key=f"ticket:{reported.url}"[:200],
        now=now,
    )


@dataclass(frozen=True)
class Owed:
    """A thread line owed for a moved item, and the claim that makes it once."""

    claim: Claim
    change: StatusChange


def default_target(settings: Settings, system: str) -> str | None:
    """The deployment's own repository (GITHUB_REPOSITORY) or project (JIRA_PROJECT)."""
    return settings.github_repository if system == GITHUB else settings.jira_project


def apply(
    sessions: sessionmaker[Session],
    settings: Settings,
    reported: Reported,
    *,
    period: str,
    worker: str,
) -> Owed | None:
    """Move the item and claim its line, in one transaction; or take back the claim of a
    line an earlier run under `period` moved the item for and did not confirm. The caller
    holds `period` alone (an inbox item's id: the inbox's claim fences it)."""
    now = utcnow()
    with sessions.begin() as session:
        teams = ticket_service.workspaces_of(
            session,
            reported.target,
            default_target(settings, reported.system),
            system=reported.system,
        )
        if teams is not None and not teams:
            return None  # a repository or project no workspace named: nobody's items
        item_id = reported.item_id or ticket_service.item_linking(session, reported.url)
        if item_id is None:
            return None
        change = ticket_service.apply_status(
            session, item_id, reported.url, closed=reported.closed, team_ids=teams, now=now
        )
        if change is not None:
            claim = ticket_service.claim_note(session, change, item_id, period, worker, now=now)
        else:
            claim, change = ticket_service.owed_note(session, item_id, period, worker, now=now)
    return None if claim is None or change is None else Owed(claim, change)


def say(sessions: sessionmaker[Session], slack: WebClient, owed: Owed) -> None:
    """Post the thread line once (a taken-back claim first looks for its stamp), then
    confirm it. Slack's refusal for good settles the claim as failed; a rate limit or
    anything else is raised, for the caller to retry."""
    claim, change = owed.claim, owed.change
    stamp = slack_once.Stamp(NOTE_METADATA, {"note": f"{claim.key.subject}:{claim.key.period}"})
    try:
        sent = slack_once.post(
            slack,
            change.channel_id,
            stamp,
            text=note_text(change),
            thread_ts=change.thread_ts,
            recover=claim.attempts > 1,
            since=claim.since,  # claimed on the real clock (`apply`), before the post
        )
    except SlackApiError as error:
        code = str(error.response.get("error"))
        if code not in PERMANENT_ERRORS:
            raise
        with sessions.begin() as session:
            ticket_service.fail_note(session, claim, code)
        logger.warning("ticket status note refused by Slack error=%s", code)
        return
    with sessions.begin() as session:
        ticket_service.confirm_note(session, claim, change.channel_id, sent.ts, now=utcnow())


def note_text(change: StatusChange) -> str:
    """The thread's line: the ticket closed (item done) or reopened."""
    if change.done:
        return f":white_check_mark: {change.code} is done: its ticket <{change.url}|was closed>."
    return (
        f":arrows_counterclockwise: {change.code} is open again: its ticket "
        f"<{change.url}|was reopened>."
    )
