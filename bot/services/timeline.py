"""The timeline of a post-mortem as readers see it: ordered entries, durations, and gaps.

`view` is what `/postmortem timeline` shows and what the report carries: every stored
line merged by `bot.core.timeline.merge` (deleted messages left out), the milestones
and the durations between them (`bot.services.milestones`), and the gaps — recorded ones (history unreadable, a backfill cut short,
PagerDuty not configured) and derived ones (no incident linked, messages deleted).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from bot.core.milestones import Name, durations
from bot.core.timeline import METRICS_GAPS, Gap, GapKind
from bot.core.timeline_view import TimelineView
from bot.services import gaps as gaps_service
from bot.services import milestones, postmortems
from bot.services.timeline_rows import stored_entries
from storage.models import Postmortem, TimelineGap
from storage.repositories import gaps


def view(session: Session, postmortem_id: int) -> TimelineView:
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    entries, deleted = stored_entries(session, postmortem_id)
    known = milestones.current(session, postmortem, entries)
    return TimelineView(
        postmortem_id=postmortem.id,
        team_id=postmortem.team_id,
        channel_id=postmortem.channel_id,
        title=postmortem.title,
        thread_ts=postmortem.thread_ts,
        incident_id=postmortem.pagerduty_incident_id,
        started_at=known.at(Name.STARTED),
        entries=tuple(entries),
        durations=durations(known),
        gaps=tuple(_gaps(gaps.list_for(session, postmortem_id), postmortem, deleted)),
        milestones=known,
    )


def _no_pager(ack: TimelineGap | None) -> Gap:
    """No incident linked: a gap, or with a person's reason (no pager used) a noted one."""
    if ack is None:
        return Gap.pagerduty_not_linked()
    return replace(
        Gap.pagerduty_not_linked(), reason=ack.reason, acknowledged_by=ack.acknowledged_by
    )


def _accepted(gap: Gap, ack: TimelineGap) -> Gap:
    return replace(gap, acknowledged_by=ack.acknowledged_by, note=ack.reason)


def _gaps(stored: list[TimelineGap], postmortem: Postmortem, deleted: int) -> list[Gap]:
    """Recorded gaps, then derived ones; deleted messages people acknowledged as removed
    on purpose are a noted gap of their own, and only later deletions stay unexplained."""
    acks = [row for row in stored if gaps.acknowledged_count(row) is not None]
    found = [
        Gap(
            GapKind(row.kind),
            where=row.location,
            reason=row.reason,
            acknowledged_by=row.acknowledged_by,
        )
        for row in stored
        if row not in acks
    ]
    if postmortem.pagerduty_incident_id is None:
        no_pager = next((row for row in acks if row.kind == GapKind.PAGERDUTY_NOT_LINKED), None)
        found.insert(0, _no_pager(no_pager))
    metrics_ack = next((row for row in acks if row.kind == gaps_service.METRICS_ACKNOWLEDGED), None)
    if metrics_ack is not None:
        found = [_accepted(gap, metrics_ack) if gap.kind in METRICS_GAPS else gap for gap in found]
    ack = next((row for row in acks if row.kind == GapKind.MESSAGES_DELETED), None)
    on_purpose = min(deleted, gaps.acknowledged_count(ack) or 0) if ack else 0
    if deleted - on_purpose:
        found.append(Gap.messages_deleted(deleted - on_purpose))
    if on_purpose and ack is not None:
        found.append(replace(Gap.messages_deleted(on_purpose), acknowledged_by=ack.acknowledged_by))
    return found
