"""What the follow-up jobs read: who may be due a follow-up, and what each one would say.

`bot.flows.followups` lists candidates here in one read per pass, decides per
candidate whether a follow-up is due (pure rules in `bot.core.followup`), and,
once it holds the claim, reads the rows the message is composed from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.core import followup
from bot.core.followup_views import ItemRow, ItemView, PostmortemView
from bot.core.report_text import is_user_id
from bot.services import followup_claims, timezones
from bot.services.item_views import item_view, postmortem_view, row_views
from storage.repositories import followup_claims as claim_rows
from storage.repositories import followups, open_items, postmortems

DIGEST, NUDGE, NUDGE_THREAD, REVIEW = "digest", "nudge", "nudge-thread", "review"
# A reader's local date is within a day of UTC's, and a digest window may start
# the week before: the ISO weeks a digest due now can belong to.
_DIGEST_DAY_OFFSETS = (-8, -1, 0, 1)


def digest_owners(session: Session, team_id: str | None = None) -> list[tuple[str, str]]:
    """(team, owner) of everyone with open items who is a Slack user (not a typed name),
    in every workspace or in `team_id` alone (a multi-workspace job's run)."""
    owners = open_items.owners_with_open_items(session, team_id)
    return [(team, owner) for team, owner in owners if is_user_id(owner)]


def known_timezones(
    session: Session, teams: Iterable[str], now: datetime
) -> dict[tuple[str, str], str]:
    """Every fresh cached timezone of `teams`, read once for the whole pass."""
    return {
        (team, user): tz
        for team in teams
        for user, tz in timezones.fresh_for_team(session, team, now).items()
    }


def settled_digests(
    session: Session, teams: Iterable[str], now: datetime
) -> set[tuple[str, str, str]]:
    """(team, owner, week) of the digests nobody may send again this week or last."""
    weeks = {followup.iso_week(now.date() + timedelta(days=d)) for d in _DIGEST_DAY_OFFSETS}
    found: set[tuple[str, str, str]] = set()
    for team in teams:
        pairs = followup_claims.settled(session, team, DIGEST, weeks, now=now)
        found.update((team, subject, period) for subject, period in pairs)
    return found


def digest_items(
    session: Session, team_id: str, owner_id: str, today: date, now: datetime
) -> list[ItemRow]:
    """The owner's open items that are not snoozed on their `today` and were not created in
    the last day: a new item was just announced in the thread, the digest takes it next week."""
    rows = open_items.open_for_owner(session, team_id, owner_id)
    settled_in = now - followup.NEW_ITEM_GRACE
    return row_views(
        row
        for row in rows
        if not followup.is_snoozed(row[0].snoozed_until, today) and row[0].created_at <= settled_in
    )


def nudges_sent(session: Session, postmortem_id: int, kind: str = NUDGE) -> int:
    """How many nudges of `kind` about this post-mortem have gone out: the honest number."""
    subject = str(postmortem_id)
    return sum(
        claim.subject == subject and claim.status == claim_rows.SENT
        for claim in claim_rows.list_all(session, kind)
    )


@dataclass(frozen=True)
class Unpublished:
    id: int
    team_id: str
    lead_user_id: str
    base: datetime


def unpublished(session: Session, team_id: str | None = None) -> list[Unpublished]:
    """Post-mortems whose report is not out yet (of `team_id` alone when given), with the
    moment their nudges count from."""
    return [
        Unpublished(
            id=postmortem.id,
            team_id=postmortem.team_id,
            lead_user_id=postmortem.lead_user_id,
            base=followup.nudge_base(
                postmortem.incident_end, postmortem.incident_start, postmortem.created_at
            ),
        )
        for postmortem in followups.unpublished(session, team_id)
    ]


def still_unpublished(session: Session, postmortem_id: int) -> PostmortemView | None:
    postmortem = postmortems.get(session, postmortem_id)
    if postmortem is None or postmortem.published_at is not None or postmortem.status != "open":
        return None
    return postmortem_view(postmortem)


def awaiting_review(
    session: Session, team_id: str | None = None
) -> list[tuple[int, str, str, date]]:
    """(post-mortem, team, lead, review day) of every published post-mortem not reviewed yet
    (of `team_id` alone when given)."""
    return [
        (pm.id, pm.team_id, pm.lead_user_id, day)
        for pm in followups.awaiting_review(session, team_id)
        if (day := followup.review_day(pm.published_at, pm.followup_review_on))
    ]


def review_contents(
    session: Session, postmortem_id: int
) -> tuple[PostmortemView, list[ItemView]] | None:
    """The post-mortem and all its items, unless its review was confirmed meanwhile."""
    postmortem = postmortems.get(session, postmortem_id)
    if postmortem is None or postmortem.review_confirmed_at is not None:
        return None
    items = open_items.for_postmortem(session, postmortem_id)
    return postmortem_view(postmortem), [item_view(item) for item in items]
