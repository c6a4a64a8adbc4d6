"""Action items and tickets on a Session: what to file, the link once filed, the status
a tracker sends back.

Which tracker and where is the caller's (`bot.flows.tickets`); this module reads and
writes the items as plain values. A ticket's status only changes the item it was filed
for: the webhook's issue must be the very ticket the item links to, in the workspace
that owns the item.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core.action_items import item_code
from bot.errors import NotFound
from bot.services import permissions
from bot.services.permissions import Actor
from bot.trackers.drafts import ItemForTicket
from storage.models import ActionItem, Factor, Postmortem
from storage.repositories import followup_claims as claim_rows
from storage.repositories import reports
from storage.repositories import tickets as ticket_rows
from storage.repositories.followup_claims import Claim, Key


@dataclass(frozen=True)
class Untracked:
    """An item still without a ticket; `owner_id` is named by the flow (Slack's name)."""

    item: ItemForTicket
    owner_id: str | None


@dataclass(frozen=True)
class StatusChange:
    """A ticket closed or reopened changed its item: what the thread is told."""

    team_id: str
    channel_id: str
    thread_ts: str | None
    code: str
    action: str
    done: bool
    url: str


GITHUB = "github"
JIRA = "jira"
# The thread line a ticket's status change owes, claimed like a follow-up (`reminders`).
NOTE_KIND = "ticket_note"
NOTE_ATTEMPTS = 20  # takings-back of one line after crashes before it is given up
SYSTEMS = (GITHUB, JIRA)
# The deployment's default target of each configured tracker, in order of preference
# (GITHUB_REPOSITORY, JIRA_PROJECT): where a channel that named none files.
Defaults = Mapping[str, str]


@dataclass(frozen=True)
class Batch:
    """Items to file and where: the channel's tracker and target, else the first default
    (None: none)."""

    target: str | None
    items: list[Untracked]
    system: str | None = None


def untracked(
    session: Session, team_id: str, postmortem_id: int, base_url: str, defaults: Defaults
) -> Batch:
    """The post-mortem's items that have no ticket yet; `base_url` is where people reach
    the bot, for the link to the shared report page (when it is shared)."""
    postmortem = session.get(Postmortem, postmortem_id)
    if postmortem is None or postmortem.team_id != team_id:
        raise NotFound("That post-mortem no longer exists.")
    link = _page(session, postmortem_id, base_url)
    system, target = _target(session, postmortem, defaults)
    rows = ticket_rows.untracked(session, postmortem_id)
    items = [_untracked(session, system, i, factor, postmortem, link) for i, factor in rows]
    return Batch(target, items, system)


def one_untracked(
    session: Session, actor: Actor, item_id: int, base_url: str, defaults: Defaults
) -> tuple[Batch, str | None]:
    """The clicked item if `actor` may change it: (a batch of it alone, or of nothing with
    the url of the ticket it has)."""
    item, postmortem = permissions.item(session, actor, item_id)
    system, target = _target(session, postmortem, defaults)
    if item.ticket_url:
        return Batch(target, [], system), item.ticket_url
    factor = ticket_rows.factor_of(session, item)
    link = _page(session, postmortem.id, base_url)
    view = _untracked(session, system, item, factor, postmortem, link)
    return Batch(target, [view], system), None


def set_channel_repository(
    session: Session, team_id: str, channel_id: str, repository: str, by: str
) -> None:
    set_channel_tracker(session, team_id, channel_id, GITHUB, repository, by)


def set_channel_tracker(
    session: Session, team_id: str, channel_id: str, system: str, target: str, by: str
) -> None:
    """The channel files in `system`'s `target` from now on (a GitHub repository, a Jira
    project key), instead of any tracker it named before."""
    ticket_rows.set_channel_target(session, team_id, channel_id, system, target, by)


def channel_repository(session: Session, team_id: str, channel_id: str) -> str | None:
    return ticket_rows.channel_target(session, team_id, channel_id, GITHUB)


def channel_tracker(session: Session, team_id: str, channel_id: str) -> tuple[str, str] | None:
    """(system, target) the channel named, if it named one."""
    return ticket_rows.channel_tracker(session, team_id, channel_id)


def set_login(session: Session, team_id: str, user_id: str, login: str) -> None:
    set_identity(session, team_id, user_id, GITHUB, login)


def set_identity(session: Session, team_id: str, user_id: str, system: str, value: str) -> None:
    """Who the person is in `system`: a GitHub login, the email of their Jira account."""
    ticket_rows.set_identity(session, team_id, user_id, system, value)


def workspaces_of(
    session: Session, repository: str, default: str | None, system: str = GITHUB
) -> frozenset[str] | None:
    """Which workspaces a webhook about `repository` (a Jira project key for JIRA) may
    speak for: any, for the deployment's default (None); else those whose channels named
    it (maybe none)."""
    if default and repository.lower() == default.lower():
        return None
    return frozenset(ticket_rows.teams_naming(session, system, repository))


def _target(
    session: Session, postmortem: Postmortem, defaults: Defaults
) -> tuple[str | None, str | None]:
    named = ticket_rows.channel_tracker(session, postmortem.team_id, postmortem.channel_id)
    if named is not None:
        return named
    first = next(iter(defaults.items()), None)
    return (None, None) if first is None else first


def _page(session: Session, postmortem_id: int, base_url: str) -> str | None:
    record = reports.get(session, postmortem_id)
    if record is None or not record.share_token:
        return None
    return f"{base_url.rstrip('/')}/postmortems/{record.share_token}"


def record(session: Session, item_id: int, url: str) -> bool:
    return ticket_rows.record_url(session, item_id, url)


def item_linking(session: Session, url: str) -> int | None:
    """The item whose ticket is `url` (a webhook whose body lost the marker names it so)."""
    return ticket_rows.item_linking(session, url)


def apply_status(
    session: Session,
    item_id: int,
    url: str,
    *,
    closed: bool,
    team_ids: frozenset[str] | None,
    now: datetime,
) -> StatusChange | None:
    """Mark the item done (closed) or open again (reopened); None when the issue is not
    this item's ticket, the item is another workspace's (`team_ids`, None: any), or it
    already was so."""
    row = ticket_rows.with_postmortem(session, item_id)
    if row is None:
        return None
    item, postmortem = row
    if item.ticket_url != url or (team_ids is not None and item.team_id not in team_ids):
        return None
    if (item.status == "done") == closed:
        return None
    if closed:
        item.status, item.done_at, item.done_by = "done", now, None
    else:
        item.status, item.done_at, item.done_by = "open", None, None
    return _change(item, postmortem, url)


def claim_note(
    session: Session, change: StatusChange, item_id: int, period: str, worker: str, *, now: datetime
) -> Claim | None:
    """Claim the thread line of a change just made, in its transaction; `period` names
    what made it (an inbox item: `i<id>`), so its replay finds this claim again."""
    return claim_rows.claim(
        session,
        _note_key(change.team_id, item_id, period),
        now=now,
        worker=worker,
        stale_before=now,
        max_attempts=NOTE_ATTEMPTS,
    )


def owed_note(
    session: Session, item_id: int, period: str, worker: str, *, now: datetime
) -> tuple[Claim | None, StatusChange | None]:
    """The line an earlier run under `period` claimed and did not confirm (it died), taken
    back by `worker`, with what it says; (None, None) when none is owed. Only for the holder
    of `period` (the inbox fences its items), so no other process is posting it now."""
    row = ticket_rows.with_postmortem(session, item_id)
    if row is None:
        return None, None
    item, postmortem = row
    url = item.ticket_url
    if not url:
        return None, None
    claim = claim_rows.take_over(
        session,
        _note_key(item.team_id, item_id, period),
        now=now,
        worker=worker,
        stale_before=now + timedelta(seconds=1),
        max_attempts=NOTE_ATTEMPTS,
    )
    if claim is None:
        return None, None
    return claim, _change(item, postmortem, url)


def confirm_note(
    session: Session, claim: Claim, channel_id: str, message_ts: str, *, now: datetime
) -> None:
    claim_rows.confirm(session, claim.id, channel_id=channel_id, message_ts=message_ts, now=now)


def fail_note(session: Session, claim: Claim, error: str) -> None:
    """Slack refused the line for good (the channel is gone, archived): not tried again."""
    claim_rows.settle(session, claim.id, claim_rows.FAILED, error)


def _note_key(team_id: str, item_id: int, period: str) -> Key:
    return Key(team_id, NOTE_KIND, str(item_id), period[:16])


def _change(item: ActionItem, postmortem: Postmortem, url: str) -> StatusChange:
    return StatusChange(
        team_id=item.team_id,
        channel_id=postmortem.channel_id,
        thread_ts=postmortem.thread_ts,
        code=item_code(item.number),
        action=item.action,
        done=item.status == "done",
        url=url,
    )


def _untracked(
    session: Session,
    system: str | None,
    item: ActionItem,
    factor: Factor | None,
    postmortem: Postmortem,
    url: str | None,
) -> Untracked:
    login = (
        ticket_rows.identity(session, item.team_id, item.owner_id, system)
        if item.owner_id and system
        else None
    )
    view = ItemForTicket(
        id=item.id,
        code=item_code(item.number),
        action=item.action,
        owner=None,
        assignee=login,
        deadline=item.deadline,
        priority=item.priority,
        factor_kind=factor.kind if factor else None,
        factor_text=factor.text if factor else None,
        postmortem_title=postmortem.title,
        postmortem_url=url,
    )
    return Untracked(item=view, owner_id=item.owner_id)


@dataclass(frozen=True)
class Linked:
    """An item's ticket, for the periodic sync to ask its tracker about."""

    item_id: int
    team_id: str
    url: str
    done: bool


SYNC_KIND = "ticket_sync"  # the claims of the sync's questions, one per item and slot
GONE_KIND = "ticket_gone"  # an item whose ticket its tracker no longer has: not asked again


def mark_gone(session: Session, team_id: str, item_id: int, why: str, *, now: datetime) -> None:
    """The tracker said the item's ticket is gone (deleted, or a link to no issue): the
    sync stops asking about it, and the reason stays in the claims table for operators."""
    key = Key(team_id, GONE_KIND, str(item_id), "gone")
    claim = claim_rows.claim(
        session, key, now=now, worker="tracker_sync", stale_before=now, max_attempts=1
    )
    if claim is not None:
        claim_rows.settle(session, claim.id, claim_rows.FAILED, why[:200])


def linked(
    session: Session, team_id: str | None, *, done_since: datetime, limit: int, slot: str
) -> list[Linked]:
    """Items whose ticket may still move them (open ones, and those done since
    `done_since`) and that the sync has not asked about in `slot` yet."""
    unclaimed = ((SYNC_KIND, slot), (GONE_KIND, None))
    rows = ticket_rows.linked(
        session, team_id, done_since=done_since, limit=limit, unclaimed=unclaimed
    )
    return [Linked(i.id, i.team_id, i.ticket_url or "", i.status == "done") for i in rows]


def prune_sync_claims(session: Session, *, before: datetime) -> int:
    return ticket_rows.prune_claims(session, SYNC_KIND, before=before)


FILING_KIND = "ticket_filing"  # the claim on creating an item's ticket, before the tracker call
# A filing claim older than this belongs to a process that died mid-call: the next click
# or publish takes it over (and finds by its marker a ticket that call filed). Each item is
# claimed right before its own create call, so this only needs to outlast one call (the
# tracker clients time out after 10 s), not a whole publish (TICKET_FILING_STALE_SECONDS).
FILING_STALE = timedelta(minutes=2)


def filing_holder() -> str:
    """Who holds a round's filing claims: this process and this round, so a round that
    lost a claim (it went stale and was taken over) cannot give back the taker's."""
    return f"tickets:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def claim_filing(
    session: Session,
    team_id: str,
    item_id: int,
    *,
    now: datetime,
    holder: str,
    stale: timedelta = FILING_STALE,
) -> Claim | None:
    """Claim creating the item's ticket; None when someone is creating it now (or did)."""
    return claim_rows.claim(
        session,
        Key(team_id, FILING_KIND, str(item_id), "create"),
        now=now,
        worker=holder,
        stale_before=now - stale,
        max_attempts=NOTE_ATTEMPTS,
    )


def filed(session: Session, claim: Claim) -> None:
    """The ticket exists and is linked: the claim is done with."""
    claim_rows.settle(session, claim.id, claim_rows.SENT)


def unclaim_filing(session: Session, claim: Claim, *, holder: str) -> bool:
    """Not filed (the tracker refused): the next click or publish may try at once. False
    when the claim was no longer ours: it stays with the round that took it over."""
    return claim_rows.release(session, claim.id, holder=holder)
