"""What follow-up is due at `run.now`, and sending it: digests, nudges, reviews.

Each use case lists its candidates in one read (`bot.services.followup_candidates`),
decides per candidate whether a follow-up is due (pure rules in `bot.core.followup`),
and hands each due one to `followup_delivery.deliver`, which claims it so that one
replica sends it. The message is composed after the claim, from the database as it
is then.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.core import followup
from bot.flows import timezones
from bot.flows.followup_delivery import Outgoing, Run, deliver, each
from bot.services import followup_candidates as candidates
from bot.services import followup_claims
from bot.services.followup_candidates import DIGEST, NUDGE, NUDGE_THREAD, REVIEW, Unpublished
from bot.slack import followup_blocks
from storage.repositories.followup_claims import Key


def send_digests(run: Run, *, weekday: int, hour: int) -> Counter[str]:
    """One DM per owner with open items, once per ISO week, at `weekday` and `hour` in
    their own timezone."""
    with run.sessions() as session:
        owners = candidates.digest_owners(session, run.team_id)
        teams = {team for team, _ in owners}
        # Read once for the whole pass: thousands of owners, not thousands of queries.
        known = candidates.known_timezones(session, teams, run.now)
        settled = candidates.settled_digests(session, teams, run.now)
    if run.report is None:
        # Replicas walk the owners in different orders, so they rarely queue on one claim.
        random.shuffle(owners)
    return each(
        owners,
        lambda owner: _digest(run, *owner, settled, known, weekday=weekday, hour=hour),
        Counter(),
    )


def _digest(
    run: Run,
    team_id: str,
    owner_id: str,
    settled: set[tuple[str, str, str]],
    known: dict[tuple[str, str], str],
    *,
    weekday: int,
    hour: int,
) -> str:
    # A dry run looks people up but writes nothing, not even the cache.
    tz = known.get((team_id, owner_id)) or timezones.timezone_of(
        run.clients.slack,
        team_id,
        owner_id,
        now=run.now,
        sessions=run.sessions,
        store=run.report is None,
    )
    week = followup.digest_week(run.now, tz, weekday=weekday, hour=hour)
    if week is None:
        return "not due"
    if (team_id, owner_id, week) in settled:
        return "taken"
    today = followup.local_today(run.now, tz)

    def compose(session: Session) -> Outgoing | None:
        rows = candidates.digest_items(session, team_id, owner_id, today, run.now)
        if not rows:
            return None
        text, body = followup_blocks.digest(run.templates, rows, today)
        return Outgoing(text, body, user_id=owner_id)

    return deliver(run, Key(team_id, DIGEST, owner_id, week), compose)


def send_nudges(run: Run) -> Counter[str]:
    """The lead's DM and a line in the thread, 48 hours on and daily until published, 5 at most."""
    with run.sessions() as session:
        due = candidates.unpublished(session, run.team_id)
    return each(due, lambda pm: _nudge(run, pm), Counter())


def _nudge(run: Run, pm: Unpublished) -> str:
    number = followup.nudge_due(pm.base, run.now)
    if number is None:
        return "not due"
    # The claim is the clock's slot; the message counts what was really sent, so the
    # first nudge after an outage says "reminder 1", not "5 of 5".
    left = followup.NUDGE_MAX - number
    tz = timezones.timezone_of(
        run.clients.slack,
        pm.team_id,
        pm.lead_user_id,
        now=run.now,
        sessions=run.sessions,
        store=run.report is None,
    )

    def compose_dm(session: Session) -> Outgoing | None:
        postmortem = candidates.still_unpublished(session, pm.id)
        if postmortem is None:
            return None
        nudge = _counted(candidates.nudges_sent(session, pm.id), left, pm, run)
        text, body = followup_blocks.nudge_dm(run.templates, postmortem, nudge, tz=tz)
        return Outgoing(text, body, user_id=postmortem.lead_user_id)

    def compose_thread(session: Session) -> Outgoing | None:
        postmortem = candidates.still_unpublished(session, pm.id)
        if postmortem is None:
            return None
        nudge = _counted(candidates.nudges_sent(session, pm.id, NUDGE_THREAD), left, pm, run)
        text, body = followup_blocks.nudge_thread(run.templates, postmortem, nudge)
        return Outgoing(
            text, body, channel_id=postmortem.channel_id, thread_ts=postmortem.thread_ts
        )

    subject, period = str(pm.id), str(number)
    outcome = deliver(run, Key(pm.team_id, NUDGE, subject, period), compose_dm, postmortem_id=pm.id)
    deliver(
        run, Key(pm.team_id, NUDGE_THREAD, subject, period), compose_thread, postmortem_id=pm.id
    )
    return outcome


def _counted(sent: int, left: int, pm: Unpublished, run: Run) -> followup_blocks.Nudge:
    return followup_blocks.Nudge(number=sent + 1, left=left, base=pm.base, now=run.now)


def send_reviews(run: Run, *, hour: int) -> Counter[str]:
    """On the review day, from `hour` in the lead's timezone, the channel gets every item's
    status and the lead a button."""
    with run.sessions() as session:
        due = candidates.awaiting_review(session, run.team_id)
    return each(due, lambda entry: _review(run, *entry, hour=hour), Counter())


def _review(run: Run, postmortem_id: int, team_id: str, lead: str, day: date, *, hour: int) -> str:
    # Cheap checks first: most reviews are weeks away or already posted.
    if day > run.now.date() + timedelta(days=1):
        return "not due"
    key = Key(team_id, REVIEW, str(postmortem_id), day.isoformat())
    with run.sessions() as session:
        if followup_claims.is_settled(session, key, now=run.now):
            return "taken"
    tz = timezones.timezone_of(
        run.clients.slack,
        team_id,
        lead,
        now=run.now,
        sessions=run.sessions,
        store=run.report is None,
    )
    if not followup.review_due(day, run.now, tz, hour=hour):
        return "not due"

    def compose(session: Session) -> Outgoing | None:
        found = candidates.review_contents(session, postmortem_id)
        if found is None:
            return None
        postmortem, items = found
        today = run.now.date()
        text, body = followup_blocks.review(run.templates, postmortem, items, today)
        return Outgoing(text, body, channel_id=postmortem.channel_id)

    return deliver(run, key, compose, postmortem_id=postmortem_id)
