"""A person's App Home, read in one transaction: their open items and their post-mortems.

Everything is read within the person's own workspace (`team_id`). The report link is
the live share page (`/postmortem share` makes one; publishing does too); the caller
says how a share token becomes a URL, since only it knows the public address.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from bot.core.home_views import LEAD, TOOK_PART, Home, HomePostmortem, state_of
from bot.services.action_item_lists import mine
from bot.services.report import live_token
from storage.models import Postmortem, ReportRecord
from storage.repositories import home as home_rows

# A Home lists this many post-mortems at most (see `bot.slack.home_blocks` for the budget).
MAX_POSTMORTEMS = 30
UrlOf = Callable[[str | None], str | None]


def home(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    today: date,
    url_of: UrlOf,
    notice: str | None = None,
) -> Home:
    rows = home_rows.of_person(session, team_id, user_id, limit=MAX_POSTMORTEMS)
    full = len(rows) == MAX_POSTMORTEMS
    total = home_rows.count_of_person(session, team_id, user_id) if full else len(rows)
    return Home(
        user_id=user_id,
        today=today,
        items=tuple(mine(session, team_id, user_id)),
        postmortems=tuple(_listed(pm, record, user_id, today, url_of) for pm, record in rows),
        older_postmortems=max(0, total - len(rows)),
        notice=notice,
    )


def _listed(
    postmortem: Postmortem,
    record: ReportRecord | None,
    user_id: str,
    today: date,
    url_of: UrlOf,
) -> HomePostmortem:
    return HomePostmortem(
        id=postmortem.id,
        title=postmortem.title,
        channel_id=postmortem.channel_id,
        lead_user_id=postmortem.lead_user_id,
        role=LEAD if postmortem.lead_user_id == user_id else TOOK_PART,
        state=state_of(
            postmortem.published_at,
            postmortem.followup_review_on,
            postmortem.review_confirmed_at,
            today,
        ),
        created_at=postmortem.created_at,
        report_url=url_of(live_token(record)),
    )
