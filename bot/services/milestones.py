"""The milestones of a post-mortem: what the data says, what people set, and the window.

`current` reads the timeline, the interview's detection answer and the stored
settings, and lays the settings over what the data says (`bot.core.milestones`).
`set_time`, `confirm` and `clear` record a person's decision; every change, and the
follow-up jobs before they count, write the window onto the post-mortem
(`incident_start`: impact started; `incident_end`: resolved, else mitigated), which
is what the nudges and their words read. One transaction, the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.core import milestones as rules
from bot.core.manual_time import FUTURE_TOLERANCE
from bot.core.milestones import Milestone, Milestones, Name, Origin
from bot.core.timeline import TimelineEntry, merge
from bot.errors import BadArguments
from bot.services import postmortems
from bot.services.timeline_rows import to_entry
from storage.models import Answer, Postmortem
from storage.models import Milestone as MilestoneRow
from storage.repositories import followups, interviews, user_timezones
from storage.repositories import milestones as stored
from storage.repositories import postmortems as postmortem_rows

DETECTION = "detection"


def current(
    session: Session, postmortem: Postmortem, entries: Sequence[TimelineEntry] | None = None
) -> Milestones:
    """The milestones that count now; `entries` when the caller has read the whole timeline,
    else only the lines a milestone can come from are read."""
    if entries is None:
        entries = _milestone_lines(session, postmortem.id)
    answer = _detection_answer(session, postmortem)
    derived = rules.derive(entries, detection_answer=answer)
    decided = [_decided(row) for row in stored.list_for(session, postmortem.id)]
    return rules.effective(decided, derived)


def _milestone_lines(session: Session, postmortem_id: int) -> list[TimelineEntry]:
    """PagerDuty's, manual and marked lines, and the first alert bot's message: what
    `derive` reads, without loading every message of a long channel."""
    lines = merge(to_entry(row) for row in stored.marked_or_outside_events(session, postmortem_id))
    for occurred_at, source_key, actor, text in stored.unmarked_messages(session, postmortem_id):
        line = TimelineEntry(occurred_at, "slack", source_key, text or "", actor)
        if rules.is_alert(line):
            lines.append(line)
            break
    return lines


def in_channel(session: Session, team_id: str, channel_id: str) -> tuple[Postmortem, Milestones]:
    postmortem = postmortems.get_for_channel_or_raise(session, team_id, channel_id)
    return postmortem, current(session, postmortem)


def set_time(
    session: Session,
    postmortem: Postmortem,
    name: Name,
    at: datetime,
    *,
    by: str,
    now: datetime,
) -> Milestones:
    """A person says when `name` happened: kept over anything the data says, now or later."""
    _refuse_future(at, now)
    _save(session, postmortem, Milestone(name, at, Origin.PERSON, confirmed=True, by=by), now)
    return _changed(session, postmortem)


def set_typed(
    session: Session,
    postmortem: Postmortem,
    name: Name,
    typed: str,
    *,
    zone: tzinfo,
    by: str,
    now: datetime,
) -> Milestones:
    """`set_time` with the time as the person typed it, in `zone`; a clock time alone is
    the one nearest the incident (its milestones, else its first timeline line). Raises
    `TimeNotUnderstood`."""
    near = rules.anchor(current(session, postmortem)) or stored.first_event_time(
        session, postmortem.id
    )
    at = rules.read_setting(typed, now=now, zone=zone, near=near)
    return set_time(session, postmortem, name, at, by=by, now=now)


def confirm(
    session: Session, postmortem: Postmortem, name: Name, *, by: str, now: datetime
) -> Milestones:
    """A person agrees with what the data says for `name`: it stops moving with the data."""
    found = current(session, postmortem).get(name)
    if found is None:
        raise BadArguments(f"Nothing says when the incident was {name.value} yet; set it instead.")
    if not found.confirmed:
        confirmed = Milestone(name, found.at, found.origin, confirmed=True, by=by, ref=found.ref)
        _save(session, postmortem, confirmed, now)
    return _changed(session, postmortem)


def clear(session: Session, postmortem: Postmortem, name: Name) -> Milestones:
    """Forget a person's setting: what the data says for `name` counts again."""
    stored.clear(session, postmortem.id, name.value)
    return _changed(session, postmortem)


Window = tuple[datetime | None, datetime | None]


def window_of(session: Session, postmortem: Postmortem) -> Window:
    """(impact started, resolved else mitigated): what `incident_start`/`incident_end` keep."""
    known = current(session, postmortem)
    end = rules.end_of(known)
    return known.at(Name.STARTED), end.at if end else None


def sync_window(session: Session, postmortem: Postmortem) -> bool:
    """Write the current window onto the post-mortem; True when it changed."""
    start, end = window_of(session, postmortem)
    if (postmortem.incident_start, postmortem.incident_end) == (start, end):
        return False
    postmortem.incident_start, postmortem.incident_end = start, end
    return True


def stale_windows(
    session: Session,
    which: Literal["unpublished", "awaiting_review"],
    team_id: str | None = None,
) -> dict[int, Window]:
    """The windows that differ from what the post-mortems keep, for the nudges
    (`which="unpublished"`) or the reviews (`"awaiting_review"`), of `team_id` alone when
    given. Only reads, so the job writes the few changes in a short transaction of its
    own (`write_windows`)."""
    candidates = followups.unpublished if which == "unpublished" else followups.awaiting_review
    changed: dict[int, Window] = {}
    for postmortem in candidates(session, team_id):
        window = window_of(session, postmortem)
        if (postmortem.incident_start, postmortem.incident_end) != window:
            changed[postmortem.id] = window
    return changed


def write_windows(session: Session, windows: dict[int, Window]) -> None:
    for postmortem_id, (start, end) in windows.items():
        postmortem = postmortem_rows.get(session, postmortem_id)
        if postmortem is not None:
            postmortem.incident_start, postmortem.incident_end = start, end


def _changed(session: Session, postmortem: Postmortem) -> Milestones:
    session.flush()
    sync_window(session, postmortem)
    return current(session, postmortem)


def _save(session: Session, postmortem: Postmortem, milestone: Milestone, now: datetime) -> None:
    stored.save(
        session,
        team_id=postmortem.team_id,
        postmortem_id=postmortem.id,
        name=milestone.name.value,
        occurred_at=milestone.at,
        origin=milestone.origin.value,
        ref=milestone.ref,
        set_by=milestone.by or "",
        set_at=now,
    )


def _refuse_future(at: datetime, now: datetime) -> None:
    if at > now + FUTURE_TOLERANCE:
        raise BadArguments("That time is in the future; a milestone is something that happened.")


def _decided(row: MilestoneRow) -> Milestone:
    return Milestone(
        Name(row.name),
        row.occurred_at,
        Origin(row.origin),
        confirmed=True,
        by=row.set_by or None,
        ref=row.ref,
    )


def _detection_answer(session: Session, postmortem: Postmortem) -> Milestone | None:
    """The detection time the interview's current detection answer states, if it does:
    a clock time is the one nearest the timeline's first line."""
    answer = _latest_detection(interviews.list_answers(session, postmortem.id))
    if answer is None:
        return None
    near = stored.first_event_time(session, postmortem.id) or postmortem.created_at
    return rules.from_detection_answer(
        answer.text,
        zone=_zone_of(session, postmortem.team_id, answer.author_id),
        near=near,
        answer_ref=f"answer:{answer.id}",
    )


def _latest_detection(answers: Iterable[Answer]) -> Answer | None:
    found = [a for a in answers if a.question == DETECTION and a.chain is None]
    latest = max(found, key=lambda a: a.id, default=None)
    if latest is None or latest.skipped or not latest.text.strip():
        return None
    return latest


def _zone_of(session: Session, team_id: str, user_id: str | None) -> ZoneInfo | None:
    """The author's timezone as last cached; None when the bot never learnt it."""
    cached = user_timezones.get(session, team_id, user_id) if user_id else None
    if cached is None:
        return None
    try:
        return ZoneInfo(cached.tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None
