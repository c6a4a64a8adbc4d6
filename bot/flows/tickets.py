"""Filing action items as tickets: from an item's Create ticket button, and at publish
for every item that has none.

Which tracker: the one the channel named (`/postmortem tracker github owner/name`,
`/postmortem tracker jira KEY`), else GITHUB_REPOSITORY when GITHUB_TOKEN is set, else
JIRA_PROJECT when Jira's site and credentials are; an owner's identity there
(`/postmortem me github <login>`, `me jira <email>`) makes them the assignee. Before
filing, the tickets already in the tracker are looked for by their hidden marker, so a
creation whose answer was lost (a timeout, a crash before the link was stored) is
adopted instead of filed twice. Each link is stored as soon as its ticket exists. A
refusal stops the round: what was filed stays linked, the rest keeps its state, and the
person is told what the tracker said (`Filing.problem`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from slack_sdk import WebClient

from bot.core.slack_text import escape
from bot.flows.deps import Deps
from bot.services import tickets as ticket_service
from bot.services.permissions import Actor
from bot.services.tickets import GITHUB, JIRA, Defaults, Untracked
from bot.slack.names import UserNames
from bot.trackers.base import Ticket, Tracker
from bot.trackers.drafts import draft, marker
from bot.trackers.errors import TrackerError
from storage.repositories.followup_claims import Claim

logger = logging.getLogger(__name__)

NO_TRACKER = (
    "No ticket system is configured here: the bot needs GITHUB_TOKEN and a repository "
    "(`/postmortem tracker github owner/name` in this channel, or GITHUB_REPOSITORY), or "
    "Jira's JIRA_URL, JIRA_EMAIL and JIRA_API_TOKEN and a project "
    "(`/postmortem tracker jira KEY`, or JIRA_PROJECT)."
)


@dataclass(frozen=True)
class Filing:
    """What a round of filing did: tickets filed or adopted, and the refusal, if any."""

    tickets: tuple[tuple[str, Ticket], ...]  # (item code, ticket)
    problem: str | None

    def words(self) -> str:
        filed = ", ".join(f"<{t.url}|{code} → {t.key}>" for code, t in self.tickets)
        said = f"Tickets: {filed}." if filed else ""
        if self.problem:
            said += f" {self.problem}" if said else self.problem
        return said.strip()


def tracker_of(deps: Deps, system: str | None) -> Tracker | None:
    """The client of `system`, or None when it is not configured."""
    if system == GITHUB:
        return deps.clients.github
    if system == JIRA:
        return deps.clients.jira
    return None


def defaults(deps: Deps) -> Defaults:
    """The deployment's default targets of the trackers it can file in, GitHub first."""
    found: dict[str, str] = {}
    if deps.clients.github is not None and deps.settings.github_repository:
        found[GITHUB] = deps.settings.github_repository
    if deps.clients.jira is not None and deps.settings.jira_project:
        found[JIRA] = deps.settings.jira_project
    return found


def file_missing(deps: Deps, client: WebClient, team_id: str, postmortem_id: int) -> Filing | None:
    """At publish: a ticket for every item without one; None when no tracker is set or
    every item has its ticket."""
    with deps.sessions.begin() as session:
        batch = ticket_service.untracked(
            session, team_id, postmortem_id, deps.settings.public_base_url, defaults(deps)
        )
    tracker = tracker_of(deps, batch.system)
    if tracker is None or not batch.items or batch.target is None:
        return None
    return _file(deps, client, tracker, batch.target, team_id, batch.items)


def file_one(deps: Deps, client: WebClient, actor: Actor, item_id: int) -> str:
    """The Create ticket button: the words the clicker is told."""
    with deps.sessions.begin() as session:
        batch, url = ticket_service.one_untracked(
            session, actor, item_id, deps.settings.public_base_url, defaults(deps)
        )
    tracker = tracker_of(deps, batch.system)
    if url is not None:
        return f"That item already has its ticket: {url}"
    if tracker is None or batch.target is None:
        return NO_TRACKER
    return _file(deps, client, tracker, batch.target, actor.team_id, batch.items).words()


def _file(
    deps: Deps,
    client: WebClient,
    system: Tracker,
    target: str,
    team_id: str,
    items: Sequence[Untracked],
) -> Filing:
    """File the items nobody else is filing now. Each item is claimed right before its own
    create call, not the batch up front: a slow tracker cannot let a later item's claim go
    stale (and be taken over by a click) while it still waits its turn here."""
    round_ = _Round(deps, team_id, ticket_service.filing_holder())
    names, done, busy = UserNames(client), [], []
    try:
        found = system.find(target, [marker(u.item.id) for u in items]) if items else {}
        for untracked in items:
            claim = round_.claim(untracked.item.id)
            if claim is None:
                busy.append(untracked.item.code)
                continue
            ticket = _existing(system, target, untracked, claim, found)
            if ticket is None:
                owner = names.name(untracked.owner_id) if untracked.owner_id else None
                ticket = system.create(target, draft(replace(untracked.item, owner=owner)))
            round_.filed(untracked.item.id, ticket.url)
            done.append((untracked.item.code, ticket))
    except TrackerError as error:
        logger.warning(
            "ticket filing stopped tracker=%s error=%s", system.name, type(error).__name__
        )
        left = len(items) - len(done) - len(busy)
        problem = (
            f"{system.name} refused: {escape(str(error))} "
            f"{left} item{'s' if left != 1 else ''} still without a ticket; "
            "publish again or press Create ticket once it is fixed."
        )
        return Filing(tuple(done), _busy_words(busy, problem))
    finally:
        round_.give_back()
    return Filing(tuple(done), _busy_words(busy, None))


def _existing(
    system: Tracker,
    target: str,
    untracked: Untracked,
    claim: Claim,
    found: dict[str, Ticket],
) -> Ticket | None:
    """The item's ticket if one was filed already: from the round's search, or, when the
    claim was left by an earlier attempt (which may have filed it since), asked afresh."""
    key = marker(untracked.item.id)
    if key in found or claim.fresh:
        return found.get(key)
    return system.find(target, [key]).get(key)


@dataclass
class _Round:
    """One round's filing claims, all held under one holder name."""

    deps: Deps
    team_id: str
    holder: str
    held: dict[int, Claim] = field(default_factory=dict)

    def claim(self, item_id: int) -> Claim | None:
        stale = timedelta(seconds=self.deps.settings.ticket_filing_stale_seconds)
        with self.deps.sessions.begin() as session:
            claim = ticket_service.claim_filing(
                session,
                self.team_id,
                item_id,
                now=self.deps.clock(),
                holder=self.holder,
                stale=stale,
            )
        if claim is not None:
            self.held[item_id] = claim
        return claim

    def filed(self, item_id: int, url: str) -> None:
        with self.deps.sessions.begin() as session:
            ticket_service.record(session, item_id, url)
            ticket_service.filed(session, self.held.pop(item_id))

    def give_back(self) -> None:
        """Not filed (refused): claimable again at once, unless another round took it."""
        if not self.held:
            return
        with self.deps.sessions.begin() as session:
            for claim in self.held.values():
                if not ticket_service.unclaim_filing(session, claim, holder=self.holder):
                    logger.info("filing claim %d was taken over; left to its holder", claim.id)
        self.held.clear()


def _busy_words(busy: list[str], problem: str | None) -> str | None:
    if not busy:
        return problem
    said = (
        f"{', '.join(busy)} {'is' if len(busy) == 1 else 'are'} already being created "
        "(another click or a publish); the link shows on the item once the tracker has it."
    )
    return f"{problem} {said}" if problem else said
