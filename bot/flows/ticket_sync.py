"""The periodic sync (issue 16): ask each ticket's tracker for its status, where no
webhook may reach the bot, and move the item by the webhooks' own path.

For every item with a ticket that may still move it (open, or done lately), once per
slot of TRACKER_SYNC_MINUTES: claim the question (one per item and slot across the
replicas, `reminders` claims like the follow-ups'), ask the tracker outside any
transaction (GitHub `GET /repos/{o}/{r}/issues/{n}`, Jira `GET /rest/api/3/issue/{key}
?fields=status`), and when the ticket's state differs from the item's, record it in the
inbox as a `Reported` (`bot.flows.ticket_status`), which applies it and says it in the
thread once, exactly as a webhook's delivery would; a webhook that already moved the
item leaves nothing to differ.

Within the trackers' rate limits: a refusal for the rate limit (`Retry-After`,
`X-RateLimit-Reset`) or a budget running low (`X-RateLimit-Remaining` under `RESERVE`,
kept for people's clicks and publishes) stops asking that tracker for this run, hands
the unasked claims back, and notes when to resume (`Pauses`, per process; each replica
learns it from its own answers).

An item whose repository or project no channel of its workspace names any more (nor is
it the deployment's default) is not asked about: a change found could not move it, and
would wait in the inbox each slot for nothing.

A ticket the tracker no longer has (GitHub's 410 for a deleted issue; a link naming no
issue) is noted once (`ticket_gone`, the tracker's words kept) and not asked about again,
rather than refused anew every slot; a transferred GitHub issue is followed to its new place.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.flows import ticket_status
from bot.flows.ticket_status import Reported
from bot.jira.client import browse_url
from bot.services import followup_claims
from bot.services import tickets as ticket_service
from bot.services.tickets import GITHUB, JIRA, SYNC_KIND, Linked
from bot.trackers.base import Tracker
from bot.trackers.errors import TrackerError, TrackerGone, TrackerRateLimited
from bot.trackers.rest import RateBudget
from storage.models import utcnow
from storage.repositories.followup_claims import Key

logger = logging.getLogger(__name__)

RESERVE = 100  # requests left to the token for people, not spent by the sync
REOPEN_WINDOW = timedelta(days=30)  # a done item's ticket is still asked about this long
BATCH = 500  # items asked about per run at most; the next run goes on


@dataclass
class Pauses:
    """When each tracker may be asked again, as its rate limit said (in this process)."""

    until: dict[str, datetime] = field(default_factory=dict)

    def paused(self, system: str, now: datetime) -> bool:
        return self.until.get(system, now) > now

    def pause(self, system: str, until: datetime) -> None:
        self.until[system] = until
        logger.warning("tracker sync paused system=%s until=%s", system, until.isoformat())


@dataclass(frozen=True)
class Asked:
    system: str
    target: str


def sync(
    sessions: sessionmaker[Session],
    trackers: Mapping[str, Tracker],
    settings: Settings,
    *,
    now: datetime,
    worker: str,
    team_id: str | None,
    pauses: Pauses,
) -> Counter[str]:
    """One pass; the tally of what came of each item (changed, same, taken, paused, …)."""
    tally: Counter[str] = Counter()
    every = timedelta(minutes=settings.tracker_sync_minutes)
    if not every or not trackers:
        return tally
    slot = f"s{int(now.timestamp() // every.total_seconds())}"
    with sessions.begin() as session:
        ticket_service.prune_sync_claims(session, before=now - 2 * every)
        due = ticket_service.linked(
            session, team_id, done_since=now - REOPEN_WINDOW, limit=BATCH, slot=slot
        )
    unaskable: list[Linked] = []
    named = _named(sessions, due, settings)
    for item in due:
        asked = asked_of(item.url, settings)
        tracker = trackers.get(asked.system) if asked else None
        if asked is None or tracker is None:
            tally["no tracker"] += 1
            unaskable.append(item)
        elif not _speaks_for(named.get(asked), item.team_id):
            tally["not named"] += 1  # what the tracker says could not move it: not asked
            unaskable.append(item)
        elif pauses.paused(asked.system, now):
            tally["paused"] += 1
        else:
            tally[_one(sessions, tracker, asked, item, slot, now, worker, pauses)] += 1
    _pass_over(sessions, unaskable, slot, now, worker)
    return tally


def _named(
    sessions: sessionmaker[Session], due: list[Linked], settings: Settings
) -> dict[Asked, frozenset[str] | None]:
    """For each tracker target of `due`, the workspaces a change reported about it may
    move (None: any, the deployment's default), as `ticket_status.apply` decides."""
    targets = {asked for asked in (asked_of(item.url, settings) for item in due) if asked}
    with sessions() as session:
        return {
            asked: ticket_service.workspaces_of(
                session,
                asked.target,
                ticket_status.default_target(settings, asked.system),
                system=asked.system,
            )
            for asked in targets
        }


def _speaks_for(teams: frozenset[str] | None, team_id: str) -> bool:
    return teams is None or team_id in teams


def _pass_over(
    sessions: sessionmaker[Session], items: list[Linked], slot: str, now: datetime, worker: str
) -> None:
    """Settle the slot of items no configured tracker can be asked about (a tracker since
    unset), so the slot's next run goes on to the others instead of finding these first."""
    with sessions.begin() as session:
        for item in items:
            key = Key(item.team_id, SYNC_KIND, str(item.item_id), slot)
            claim = followup_claims.claim(session, key, now=now, worker=worker)
            if claim is not None:
                followup_claims.skip(session, claim.id)


def asked_of(url: str, settings: Settings) -> Asked | None:
    """Which tracker and target a ticket's page belongs to: JIRA_URL/browse/KEY-1 is
    Jira's project KEY, `…/{owner}/{repo}/issues/{n}` GitHub's repository."""
    if settings.jira_url and url.startswith(browse_url(settings.jira_url, "")):
        key = url.rsplit("/", 1)[-1]
        return Asked(JIRA, key.rsplit("-", 1)[0])
    parts = urlsplit(url).path.strip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "issues":
        return Asked(GITHUB, f"{parts[-4]}/{parts[-3]}")
    return None


def _one(
    sessions: sessionmaker[Session],
    tracker: Tracker,
    asked: Asked,
    item: Linked,
    slot: str,
    now: datetime,
    worker: str,
    pauses: Pauses,
) -> str:
    key = Key(item.team_id, SYNC_KIND, str(item.item_id), slot)
    with sessions.begin() as session:
        claim = followup_claims.claim(session, key, now=now, worker=worker)
    if claim is None:
        return "taken"
    try:
        ticket = tracker.status(asked.target, item.url)
    except TrackerRateLimited as limited:
        with sessions.begin() as session:
            followup_claims.release(session, claim.id, holder=worker)
        pauses.pause(asked.system, limited.retry_at or now + timedelta(minutes=5))
        return "rate limited"
    except TrackerGone as gone:
        logger.warning(
            "tracker sync: ticket gone, not asked again system=%s item=%d",
            asked.system,
            item.item_id,
        )
        with sessions.begin() as session:
            followup_claims.skip(session, claim.id)
            ticket_service.mark_gone(session, item.team_id, item.item_id, str(gone), now=now)
        return "gone"
    except TrackerError as error:
        logger.warning(
            "tracker sync could not ask system=%s item=%d error=%s",
            asked.system,
            item.item_id,
            type(error).__name__,
        )
        with sessions.begin() as session:
            followup_claims.fail(session, claim.id, type(error).__name__)
        return "refused"
    _mind_budget(getattr(tracker, "budget", None), asked.system, now, pauses)
    with sessions.begin() as session:
        followup_claims.skip(session, claim.id)
        if ticket.closed == item.done:
            return "same"
        reported = Reported(asked.system, asked.target, item.url, ticket.closed, item.item_id)
        state = "done" if ticket.closed else "open"
        ticket_status.record(
            session,
            source=ticket_status.SYNC,
            key=f"sync:{item.item_id}:{state}:{slot}",
            reported=reported,
            now=utcnow(),  # due at once, whatever clock the run reasons with (`remind --at`)
        )
    return "changed"


def _mind_budget(budget: object, system: str, now: datetime, pauses: Pauses) -> None:
    """Stop before the token's budget is spent: what is left is kept for people."""
    left = budget.remaining if isinstance(budget, RateBudget) else None
    if left is not None and left < RESERVE and isinstance(budget, RateBudget):
        pauses.pause(system, budget.reset_at or now + timedelta(minutes=15))
