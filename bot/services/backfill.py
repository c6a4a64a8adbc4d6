"""The history backfill's database side: a channel's past messages filed on its post-mortem.

`bot.flows.channel_history` reads the channel page by page and files each page
here, in a short transaction of its own. Rows are keyed on (post-mortem, "slack",
"channel:ts"), so a re-run adds nothing twice and live capture can write alongside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core.slack_text import ts_to_datetime
from bot.core.spoken import (
    PIN,
    TOMBSTONE,
    Message,
    OwnBot,
    actor_of,
    is_spoken,
    marks_of,
    pin_mark,
    text_of,
    thread_of,
)
from bot.core.timeline import TRIGGER, Gap, GapKind
from bot.services import capture, postmortems
from storage.models import Postmortem, TimelineEvent, TimelineGap, TimelineMark
from storage.repositories import gaps, marks, timeline

SLACK_GAPS = (GapKind.HISTORY_UNREADABLE.value, GapKind.BACKFILL_CUT_SHORT.value)


@dataclass(frozen=True)
class Target:
    """The channel a backfill reads, and what opens its window."""

    postmortem_id: int
    team_id: str
    channel_id: str
    thread_ts: str | None
    since: datetime | None
    first_trigger: datetime | None

    @property
    def scope(self) -> str:
        return f"slack:{self.channel_id}"


def target(session: Session, postmortem_id: int) -> Target:
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    return Target(
        postmortem_id=postmortem.id,
        team_id=postmortem.team_id,
        channel_id=postmortem.channel_id,
        thread_ts=postmortem.thread_ts,
        since=postmortem.history_since,
        first_trigger=timeline.first_time_of_kind(session, postmortem.id, TRIGGER),
    )


def window_start(*candidates: datetime | None) -> datetime | None:
    """The earliest of the times known; None reads the whole history."""
    known = [moment for moment in candidates if moment is not None]
    return min(known) if known else None


def message_row(
    team_id: str, postmortem_id: int, channel_id: str, message: Message, *, is_key: bool = False
) -> TimelineEvent:
    """A Slack message as a timeline row, keyed on "channel:ts"."""
    return TimelineEvent(**message_values(team_id, postmortem_id, channel_id, message, is_key))


def message_values(
    team_id: str, postmortem_id: int, channel_id: str, message: Message, is_key: bool
) -> dict[str, Any]:
    """A Slack message as a timeline row's columns (every one `timeline.FIELDS` names)."""
    return {
        "team_id": team_id,
        "postmortem_id": postmortem_id,
        "occurred_at": ts_to_datetime(message["ts"]),
        "source": "slack",
        "source_key": f"{channel_id}:{message['ts']}",
        "text": text_of(message),
        "actor": actor_of(message),
        "kind": None,
        "via": None,
        "incident_id": None,
        "thread_ts": thread_of(message),
        "is_key": is_key,
        "edited_at": _edited_at(message),
    }


def _edited_at(message: Message) -> datetime | None:
    """When history says the message was last edited (its `edited.ts`), else None."""
    edited = message.get("edited")
    stamp = edited.get("ts") if isinstance(edited, dict) else None
    try:
        return ts_to_datetime(stamp) if isinstance(stamp, str) and stamp else None
    except ValueError:  # not a Slack timestamp: the edit's time is unknown, not a crash
        return None


def files_anything(messages: Sequence[Message], own: OwnBot) -> bool:
    """Whether `file_page` writes anything for `messages`: one spoken, or a deletion (a
    page of only the bot's own messages, its opener say, needs no transaction)."""
    return any(is_spoken(m, own) or m.get("subtype") == TOMBSTONE for m in messages)


def file_page(
    session: Session,
    target: Target,
    messages: Sequence[Message],
    own: OwnBot,
    now: datetime,
    *,
    key_reaction: str = "pushpin",
    pinned: Mapping[str, str | None] | None = None,
) -> tuple[int, int]:
    """File one page of history; (rows new to the timeline, messages that were spoken).

    New messages go in with one INSERT … ON CONFLICT DO NOTHING for the page; only the
    ones already stored (a re-read, live capture) are loaded, to catch up on edits.
    A message pinned (`pinned_to`, or its ts among `pinned`: ts -> who pinned it, from
    `pins.list`) or carrying the key reaction when it is read was marked during the
    incident: it is key, with a mark for the pin and one per person who reacted."""
    spoken = {f"{target.channel_id}:{m['ts']}": m for m in messages if is_spoken(m, own)}
    deleted = [m["ts"] for m in messages if m.get("subtype") == TOMBSTONE]
    marked = {
        key: found
        for key, message in spoken.items()
        if (found := _marks(message, target.channel_id, key_reaction, pinned or {}))
    }
    rows = [
        message_values(target.team_id, target.postmortem_id, target.channel_id, m, key in marked)
        for key, m in spoken.items()
    ]
    added = timeline.insert_missing(session, rows)
    stored = [key for key in spoken if key not in added]
    for key, row in timeline.by_keys(session, target.postmortem_id, "slack", stored).items():
        _apply_edit(row, spoken[key])
        if row.deleted_at is not None:
            marked.pop(key, None)
        elif key in marked:
            row.is_key = True
    for key, found in marked.items():
        for marked_by in sorted(found):
            marks.add(session, _mark(target, key, marked_by))
    for ts in deleted:
        capture.record_deletion(
            session, target.postmortem_id, target.team_id, target.channel_id, ts, now
        )
    return len(added), len(spoken)


def _marks(
    message: Message, channel_id: str, key_reaction: str, pinned: Mapping[str, str | None]
) -> set[str]:
    """The message's marks; `pins.list` says who pinned it, history only that it is."""
    found = marks_of(message, channel_id, key_reaction)
    if message["ts"] in pinned:
        found.discard(PIN)
        found.add(pin_mark(pinned[message["ts"]]))
    return found


def _mark(target: Target, source_key: str, marked_by: str) -> TimelineMark:
    return TimelineMark(
        team_id=target.team_id,
        postmortem_id=target.postmortem_id,
        source_key=source_key,
        marked_by=marked_by,
    )


def _apply_edit(row: TimelineEvent, message: Message) -> None:
    """History shows a message as last edited; catch up if live capture missed the edit."""
    edited = message.get("edited") or {}
    if row.deleted_at is not None or not edited.get("ts") or row.text == text_of(message):
        return
    edited_at = ts_to_datetime(edited["ts"])
    if row.edited_at is None or row.edited_at < edited_at:
        row.text, row.edited_at = text_of(message), edited_at


def record_gap(session: Session, target: Target, gap: Gap) -> None:
    gaps.record(session, stored_gap(target.team_id, target.postmortem_id, target.scope, gap))


def clear_gaps(session: Session, target: Target) -> None:
    """A full read: the channel's history has no gap any more."""
    gaps.clear(session, target.postmortem_id, target.scope, SLACK_GAPS)


def stored_gap(team_id: str, postmortem_id: int, scope: str, gap: Gap) -> TimelineGap:
    return TimelineGap(
        team_id=team_id,
        postmortem_id=postmortem_id,
        kind=gap.kind.value,
        scope=scope,
        location=gap.where,
        reason=gap.reason,
    )


def widen_window(session: Session, postmortem: Postmortem, since: datetime) -> None:
    """Remember the earliest `--since` given, so every later backfill reads from there."""
    if postmortem.history_since is None or since < postmortem.history_since:
        postmortem.history_since = since
