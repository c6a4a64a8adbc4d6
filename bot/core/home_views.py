"""What a person's App Home shows, as plain values: their open action items and the
post-mortems they lead or took part in, each with the word for where it stands.

Services build a `Home` from the stored rows (`bot.services.home`); the Home tab
(`bot.slack.home_blocks`) is drawn from it alone. Pure: no database, Slack or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.followup import review_day
from bot.core.followup_views import ItemRow

# Where a post-mortem stands, in the words the Home shows (newest state wins).
INTERVIEW, PUBLISHED, REVIEW_DUE, REVIEWED = "interview", "published", "review due", "reviewed"
LEAD, TOOK_PART = "lead", "took part"


def state_of(
    published_at: datetime | None,
    review_on: date | None,
    reviewed_at: datetime | None,
    today: date,
) -> str:
    """`interview` until the report is published; then `published`, `review due` from the
    follow-up review's day (`/postmortem followup` may have moved it) until someone
    confirms the review, and `reviewed` after."""
    if published_at is None:
        return INTERVIEW
    if reviewed_at is not None:
        return REVIEWED
    day = review_day(published_at, review_on)
    return REVIEW_DUE if day is not None and day <= today else PUBLISHED


@dataclass(frozen=True)
class HomePostmortem:
    """One post-mortem as a Home lists it; `report_url` is its shared page, when it has one."""

    id: int
    title: str
    channel_id: str
    lead_user_id: str
    role: str  # LEAD, or TOOK_PART (answered the interview, owns an item, in the timeline)
    state: str
    created_at: datetime
    report_url: str | None


@dataclass(frozen=True)
class Home:
    """A person's Home: `items` are all their open items, soonest deadline first (the tab
    shows the first that fit); `postmortems` the newest, with how many older ones exist."""

    user_id: str
    today: date
    items: tuple[ItemRow, ...]
    postmortems: tuple[HomePostmortem, ...]
    older_postmortems: int = 0
    notice: str | None = None
