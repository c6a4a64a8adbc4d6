"""Gaps in a timeline that people explain: a message deleted on purpose (PII removed).

`acknowledge_deleted` notes that every message deleted so far was removed on purpose:
the report still lists them under Data gaps, marked acknowledged, and the checklist's
"Timeline complete" no longer fails on them. A message deleted later is a gap again
until someone acknowledges it too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.timeline import GapKind
from bot.errors import BadArguments
from bot.services import postmortems
from storage.repositories import gaps, timeline

NOTHING_DELETED = (
    "No message of this post-mortem's timeline was deleted, so there is nothing to acknowledge."
)


def acknowledge_deleted(
    session: Session, team_id: str, channel_id: str, *, by: str, now: datetime
) -> int:
    """How many deleted messages are now acknowledged as removed on purpose."""
    postmortem = postmortems.get_for_channel_or_raise(session, team_id, channel_id)
    deleted = timeline.count_deleted(session, postmortem.id)
    if not deleted:
        raise BadArguments(NOTHING_DELETED)
    gaps.acknowledge_count(
        session,
        team_id=team_id,
        postmortem_id=postmortem.id,
        kind=GapKind.MESSAGES_DELETED.value,
        count=deleted,
        by=by,
        at=now,
    )
    return deleted
