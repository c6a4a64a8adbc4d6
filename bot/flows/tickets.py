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
from dataclasses import dataclass, replace

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
    """File the items nobody else is filing now: each is claimed before the tracker is
    asked (a second click, or a click racing publish, finds the claim and files nothing)."""
    claims, busy = _claim(deps, team_id, items)
    mine = [u for u in items if u.item.id in claims]
    names, done = UserNames(client), []
    try:
        found = system.find(target, [marker(u.item.id) for u in mine]) if mine else {}
        for untracked in mine:
            ticket = found.get(marker(untracked.item.id))
            if ticket is None:
                owner = names.name(untracked.owner_id) if untracked.owner_id else None
                ticket = system.create(target, draft(replace(untracked.item, owner=owner)))
            with deps.sessions.begin() as session:
                ticket_service.record(session, untracked.item.id, ticket.url)
                ticket_service.filed(session, claims.pop(untracked.item.id))
            done.append((untracked.item.code, ticket))
    except TrackerError as error:
        logger.warning(
            "ticket filing stopped tracker=%s error=%s", system.name, type(error).__name__
        )
        left = len(mine) - len(done)
        problem = (
            f"{system.name} refused: {escape(str(error))} "
            f"{left} item{'s' if left != 1 else ''} still without a ticket; "
            "publish again or press Create ticket once it is fixed."
        )
        return Filing(tuple(done), _busy_words(busy, problem))
    finally:
        if claims:  # not filed (refused): claimable again at once
            with deps.sessions.begin() as session:
                for claim in claims.values():
                    ticket_service.unclaim_filing(session, claim)
    return Filing(tuple(done), _busy_words(busy, None))


def _claim(
    deps: Deps, team_id: str, items: Sequence[Untracked]
) -> tuple[dict[int, Claim], list[str]]:
    """Claims on filing each item (by id), and the codes of those someone else is filing."""
    claims: dict[int, Claim] = {}
    busy: list[str] = []
    with deps.sessions.begin() as session:
        for untracked in items:
            claim = ticket_service.claim_filing(
                session, team_id, untracked.item.id, now=deps.clock()
            )
            if claim is None:
                busy.append(untracked.item.code)
            else:
                claims[untracked.item.id] = claim
    return claims, busy


def _busy_words(busy: list[str], problem: str | None) -> str | None:
    if not busy:
        return problem
    said = (
        f"{', '.join(busy)} {'is' if len(busy) == 1 else 'are'} already being created "
        "(another click or a publish); the link shows on the item once the tracker has it."
    )
    return f"{problem} {said}" if problem else said
