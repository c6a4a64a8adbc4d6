"""`/postmortem event`: a line a person adds to the timeline by hand.

Manual lines are key by definition (someone took the trouble), and the words
"mitigated" or "resolved" make them the mitigation or resolution the durations use.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.timeline import MITIGATED, RESOLVED, says_mitigated
from bot.services import postmortems
from storage.models import TimelineEvent
from storage.repositories import timeline

_RESOLVED = re.compile(r"\bresolved\b", re.I)
_NEGATION = re.compile(r"\bnot\b|n't\b|\bnever\b|\bno\b|\byet\b|\bif\b|\bwhen\b|\buntil\b", re.I)


def add(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    occurred_at: datetime,
    text: str,
    entry_id: str,
) -> TimelineEvent:
    """File the entry on the channel's post-mortem; `entry_id` keeps a repeat from doubling it."""
    postmortem = postmortems.get_for_channel_or_raise(session, team_id, channel_id)
    row = TimelineEvent(
        team_id=team_id,
        postmortem_id=postmortem.id,
        occurred_at=occurred_at,
        source="manual",
        source_key=f"manual:{entry_id}",
        text=text,
        actor=user_id,
        kind=kind_of(text),
        is_key=True,
    )
    if timeline.add_unless_exists(session, row):
        return row
    existing = timeline.get_by_key(session, postmortem.id, "manual", row.source_key)
    return existing or row


def kind_of(text: str) -> str | None:
    """RESOLVED or MITIGATED when the line says so (not "not yet resolved"), else None."""
    for match in _RESOLVED.finditer(text):
        before = text[max(0, match.start() - 25) : match.start()]
        if not _NEGATION.search(before) and "?" not in text[match.end() : match.end() + 3]:
            return RESOLVED
    return MITIGATED if says_mitigated(text) else None
