"""Gaps in a timeline that people explain: a message deleted on purpose (PII removed),
no PagerDuty incident because the team uses no pager (`acknowledge_no_pagerduty`), or
metrics that cannot be had (`acknowledge_metrics`: Prometheus was down, a chart's series
was never kept for that service).

`acknowledge_deleted` notes that every message deleted so far was removed on purpose:
the report still lists them under Data gaps, marked acknowledged, and the checklist's
"Timeline complete" no longer fails on them. A message deleted later is a gap again
until someone acknowledges it too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.timeline import METRICS_GAPS, NO_PAGER, GapKind
from bot.errors import BadArguments
from bot.services import postmortems
from storage.repositories import gaps, timeline

PAGERDUTY_LINKED = (
    "A PagerDuty incident is linked to this post-mortem, so there is no missing pager "
    "data to acknowledge."
)
# A reason is a few words for the report's Data gaps, not an essay.
REASON_LIMIT = 300

NO_METRICS_GAP = (
    "This post-mortem has no metrics gap (every chart was fetched), so there is nothing to "
    "acknowledge."
)
# The acknowledgement row of the metrics gaps: one for all of them, whichever fetch
# states them next (each fetch states its gaps afresh).
METRICS_ACKNOWLEDGED = "metrics"
# Why the metrics are missing, when the person who acknowledged it gave no words.
METRICS_KNOWN = "known and accepted"

NOTHING_DELETED = (
    "No message of this post-mortem's timeline was deleted, so there is nothing to acknowledge."
)


def acknowledge_deleted(
    session: Session, team_id: str, channel_id: str, *, by: str, now: datetime
) -> int:
    """The channel's post-mortem: how many deleted messages are now acknowledged."""
    postmortem = postmortems.get_for_channel_or_raise(session, team_id, channel_id)
    return acknowledge_deleted_of(session, postmortem.id, by=by, now=now)


def acknowledge_deleted_of(session: Session, postmortem_id: int, *, by: str, now: datetime) -> int:
    """How many deleted messages of the post-mortem are now acknowledged as on purpose;
    the caller has checked who may (`bot.services.permissions`)."""
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    deleted = timeline.count_deleted(session, postmortem.id)
    if not deleted:
        raise BadArguments(NOTHING_DELETED)
    gaps.acknowledge_count(
        session,
        team_id=postmortem.team_id,
        postmortem_id=postmortem.id,
        kind=GapKind.MESSAGES_DELETED.value,
        count=deleted,
        by=by,
        at=now,
    )
    return deleted


def acknowledged_words(count: int) -> str:
    noun = "message was" if count == 1 else "messages were"
    return (
        f"Noted: the {count} deleted {noun} removed on purpose. The report lists them under "
        'Data gaps as acknowledged, and "Timeline complete" no longer fails on them.'
    )


def acknowledge_no_pagerduty(
    session: Session, team_id: str, channel_id: str, *, reason: str, by: str, now: datetime
) -> str:
    """The channel's post-mortem has no PagerDuty incident on purpose (no pager is used):
    the report lists the gap with `reason`, and "Timeline complete" no longer fails on it.
    Returns the reason as the report shows it."""
    postmortem = postmortems.get_for_channel_or_raise(session, team_id, channel_id)
    if postmortem.pagerduty_incident_id is not None:
        raise BadArguments(PAGERDUTY_LINKED)
    words = " ".join(reason.split()) or NO_PAGER
    if len(words) > REASON_LIMIT:
        raise BadArguments(f"Say why in at most {REASON_LIMIT} characters ({len(words)} now).")
    gaps.acknowledge(
        session,
        team_id=postmortem.team_id,
        postmortem_id=postmortem.id,
        kind=GapKind.PAGERDUTY_NOT_LINKED.value,
        reason=words,
        by=by,
        at=now,
    )
    return words


def no_pagerduty_words(reason: str) -> str:
    return (
        f"Noted: no PagerDuty incident for this post-mortem ({reason}). The report lists it "
        'under Data gaps with that reason, and "Timeline complete" no longer fails on it; '
        "`/postmortem link` still adds an incident if there is one."
    )


def acknowledge_metrics(
    session: Session, team_id: str, channel_id: str, *, reason: str, by: str, now: datetime
) -> str:
    """The channel's post-mortem lacks metrics and its team accepts it (Prometheus was being
    moved, the service had no dashboard yet): the report lists each metrics gap as
    acknowledged with `reason`, and "Timeline complete" no longer fails on them, now or
    after a later fetch states them again. Returns the reason as the report shows it."""
    postmortem = postmortems.get_for_channel_or_raise(session, team_id, channel_id)
    stated = {row.kind for row in gaps.list_for(session, postmortem.id)}
    if not stated & {kind.value for kind in METRICS_GAPS}:
        raise BadArguments(NO_METRICS_GAP)
    words = " ".join(reason.split()) or METRICS_KNOWN
    if len(words) > REASON_LIMIT:
        raise BadArguments(f"Say why in at most {REASON_LIMIT} characters ({len(words)} now).")
    gaps.acknowledge(
        session,
        team_id=postmortem.team_id,
        postmortem_id=postmortem.id,
        kind=METRICS_ACKNOWLEDGED,
        reason=words,
        by=by,
        at=now,
    )
    return words


def metrics_words(reason: str) -> str:
    return (
        f"Noted: the missing metrics are known ({reason}). The report lists them under Data "
        'gaps with that reason, and "Timeline complete" no longer fails on them.'
    )
