"""What follow-up is due at `run.now`, and sending it: digests, nudges, reviews.

Each use case lists its candidates in one read, decides per candidate whether a
reminder is due (pure rules in `bot.core.followup`), and hands each due one to
`reminder_delivery.deliver`, which claims it so that one replica sends it.
The message is composed after the claim, from the database as it is then.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.core import followup
from bot.services import timezones
from bot.services.reminder_delivery import MAX_ATTEMPTS, Outgoing, Run, deliver, each
from bot.slack import followup_messages, followup_notices
from storage.models import Postmortem
from storage.repositories import followups, open_items, postmortems, reminders
from storage.repositories.reminders import Key

DIGEST, NUDGE, NUDGE_THREAD, REVIEW = "digest", "nudge", "nudge-thread", "review"
# A reader's local date is within a day of UTC's, and a digest window may start
# the week before: the ISO weeks a digest due now can belong to.
_DIGEST_DAY_OFFSETS = (-8, -1, 0, 1)


def send_digests(run: Run) -> Counter[str]:
    """One DM per owner with open items, once per ISO week, at their local weekday and hour."""
    with run.sessions() as session:
        owners = open_items.owners_with_open_items(session)
        owners = [(team, owner) for team, owner in owners if followup_messages.is_user_id(owner)]
        teams = {team for team, _ in owners}
        # Read once for the whole pass: thousands of owners, not thousands of queries.
        known = {
            (team, user): tz
            for team in teams
            for user, tz in timezones.fresh_for_team(session, team, run.now).items()
        }
        settled = _settled_digests(run, session, teams)
    if run.report is None:
        # Replicas walk the owners in different orders, so they rarely queue on one claim.
        random.shuffle(owners)
    return each(owners, lambda owner: _digest(run, *owner, settled, known), Counter())


def _settled_digests(run: Run, session: Session, teams: set[str]) -> set[tuple[str, str, str]]:
    """Digests nobody may send again this week or last."""
    weeks = {followup.iso_week(run.now.date() + timedelta(days=d)) for d in _DIGEST_DAY_OFFSETS}
    found: set[tuple[str, str, str]] = set()
    for team in teams:
        pairs = reminders.settled(
            session, team, DIGEST, weeks, stale_before=run.stale_before, max_attempts=MAX_ATTEMPTS
        )
        found.update((team, subject, period) for subject, period in pairs)
    return found


def _digest(
    run: Run,
    team_id: str,
    owner_id: str,
    settled: set[tuple[str, str, str]],
    known: dict[tuple[str, str], str],
) -> str:
    tz = known.get((team_id, owner_id)) or _timezone(run, team_id, owner_id)
    week = followup.digest_week(run.now, tz, weekday=run.weekday, hour=run.hour)
    if week is None:
        return "not due"
    if (team_id, owner_id, week) in settled:
        return "taken"
    today = followup.local_today(run.now, tz)

    def compose(session: Session) -> Outgoing | None:
        rows = open_items.open_for_owner(session, team_id, owner_id)
        rows = [row for row in rows if not followup.is_snoozed(row[0].snoozed_until, today)]
        if not rows:
            return None
        text, body = followup_messages.digest(run.templates, rows, today)
        return Outgoing(text, body, user_id=owner_id)

    return deliver(run, Key(team_id, DIGEST, owner_id, week), compose)


@dataclass(frozen=True)
class _Unpublished:
    id: int
    team_id: str
    lead_user_id: str
    base: datetime


def send_nudges(run: Run) -> Counter[str]:
    """The lead's DM and a line in the thread, 48 hours on and daily until published, 5 at most."""
    with run.sessions() as session:
        candidates = [_unpublished(session, pm) for pm in followups.unpublished(session)]
    return each(candidates, lambda pm: _nudge(run, pm), Counter())


def _unpublished(session: Session, postmortem: Postmortem) -> _Unpublished:
    return _Unpublished(
        id=postmortem.id,
        team_id=postmortem.team_id,
        lead_user_id=postmortem.lead_user_id,
        base=followup.nudge_base(
            postmortem.incident_end, postmortem.incident_start, postmortem.created_at
        ),
    )


def _nudge(run: Run, pm: _Unpublished) -> str:
    number = followup.nudge_due(pm.base, run.now)
    if number is None:
        return "not due"
    tz = _timezone(run, pm.team_id, pm.lead_user_id)

    def compose_dm(session: Session) -> Outgoing | None:
        postmortem = _still_unpublished(session, pm.id)
        if postmortem is None:
            return None
        text, body = followup_notices.nudge_dm(
            run.templates, postmortem, number=number, base=pm.base, now=run.now, tz=tz
        )
        return Outgoing(text, body, user_id=postmortem.lead_user_id)

    def compose_thread(session: Session) -> Outgoing | None:
        postmortem = _still_unpublished(session, pm.id)
        if postmortem is None:
            return None
        text, body = followup_notices.nudge_thread(
            run.templates, postmortem, number=number, base=pm.base, now=run.now
        )
        return Outgoing(
            text, body, channel_id=postmortem.channel_id, thread_ts=postmortem.thread_ts
        )

    subject, period = str(pm.id), str(number)
    outcome = deliver(run, Key(pm.team_id, NUDGE, subject, period), compose_dm, postmortem_id=pm.id)
    deliver(
        run, Key(pm.team_id, NUDGE_THREAD, subject, period), compose_thread, postmortem_id=pm.id
    )
    return outcome


def _still_unpublished(session: Session, postmortem_id: int) -> Postmortem | None:
    postmortem = postmortems.get(session, postmortem_id)
    if postmortem is None or postmortem.published_at is not None or postmortem.status != "open":
        return None
    return postmortem


def send_reviews(run: Run) -> Counter[str]:
    """On the review day, the channel gets every item's status and the lead a button."""
    with run.sessions() as session:
        due = [
            (pm.id, pm.team_id, pm.lead_user_id, day)
            for pm in followups.awaiting_review(session)
            if (day := followup.review_day(pm.published_at, pm.followup_review_on))
        ]
    return each(due, lambda entry: _review(run, *entry), Counter())


def _review(run: Run, postmortem_id: int, team_id: str, lead: str, day: date) -> str:
    # Cheap checks first: most reviews are weeks away or already posted.
    if day > run.now.date() + timedelta(days=1):
        return "not due"
    key = Key(team_id, REVIEW, str(postmortem_id), day.isoformat())
    with run.sessions() as session:
        if reminders.is_settled(
            session, key, stale_before=run.stale_before, max_attempts=MAX_ATTEMPTS
        ):
            return "taken"
    if not followup.review_due(day, run.now, _timezone(run, team_id, lead), hour=run.hour):
        return "not due"

    def compose(session: Session) -> Outgoing | None:
        postmortem = postmortems.get(session, postmortem_id)
        if postmortem is None or postmortem.review_confirmed_at is not None:
            return None
        items = open_items.for_postmortem(session, postmortem_id)
        today = run.now.date()
        text, body = followup_notices.review(run.templates, postmortem, items, today)
        return Outgoing(text, body, channel_id=postmortem.channel_id)

    return deliver(run, key, compose, postmortem_id=postmortem_id)


def _timezone(run: Run, team_id: str, user_id: str) -> str:
    # A dry run looks people up but writes nothing, not even the cache.
    return timezones.timezone_of(
        run.sessions, run.client, team_id, user_id, now=run.now, store=run.report is None
    )
