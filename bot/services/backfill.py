"""Backfill: a channel's past messages and threads filed on its post-mortem, page by page.

The window opens at the earliest of the `--since` a person gave, the first PagerDuty
trigger and the channel's creation. Each page is written in a short transaction of its
own and keyed on (post-mortem, "slack", "channel:ts"), so memory stays flat, a re-run
adds nothing twice, and live capture can write alongside. Whatever stops the reading
(not in the channel, rate limits outlasting the retries, anything) ends it with a gap
recorded on the timeline rather than an error: what was read is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.timeline import TRIGGER, Gap, GapKind
from bot.services import capture, postmortems
from bot.slack import harvest
from bot.slack.spoken import TOMBSTONE, Message, OwnBot, actor_of, is_spoken, text_of, thread_of
from bot.slack.text import ts_to_datetime
from storage.models import Postmortem, TimelineEvent, TimelineGap, utcnow
from storage.repositories import gaps, timeline

logger = logging.getLogger(__name__)

# Refusals that mean the bot may not read this channel at all.
UNREADABLE = frozenset(
    {"not_in_channel", "channel_not_found", "missing_scope", "access_denied", "not_allowed"}
)
SLACK_GAPS = (GapKind.HISTORY_UNREADABLE.value, GapKind.BACKFILL_CUT_SHORT.value)


@dataclass
class Tally:
    """How far a backfill got: messages kept, threads read, rows new to the timeline."""

    messages: int = 0
    threads: int = 0
    added: int = 0
    pages: int = 0


@dataclass(frozen=True)
class Outcome:
    tally: Tally
    oldest: datetime | None
    gap: Gap | None


ProgressHook = Callable[[Tally], None]


@dataclass(frozen=True)
class _Target:
    postmortem_id: int
    team_id: str
    channel_id: str
    thread_ts: str | None
    since: datetime | None
    first_trigger: datetime | None

    @property
    def scope(self) -> str:
        return f"slack:{self.channel_id}"


def backfill_channel(
    sessions: sessionmaker[Session],
    client: WebClient,
    postmortem_id: int,
    *,
    own: OwnBot,
    on_progress: ProgressHook | None = None,
    progress_every: int = 2,
    clock: Callable[[], datetime] = utcnow,
) -> Outcome:
    """Read the channel's history into the timeline; the outcome says how much, and any gap."""
    target = _target(sessions, postmortem_id)
    tally, oldest, name = Tally(), None, None
    try:
        created, name = _channel_facts(client, target.channel_id)
        oldest = window_start(target.since, target.first_trigger, created)
        # The post-mortem's own thread is the retrospective, not the incident.
        skip = [target.thread_ts] if target.thread_ts else []
        for page in harvest.pages(
            client, target.channel_id, oldest=_slack_ts(oldest), skip_threads=skip
        ):
            _file_page(sessions, target, page, own, tally, clock())
            if on_progress is not None and tally.pages % progress_every == 0:
                on_progress(tally)
    except SlackApiError as error:
        gap = _slack_gap(str(error.response.get("error")), tally, name)
        return Outcome(tally, oldest, _record(sessions, target, gap))
    except Exception as error:
        # Stopping is right whatever went wrong, but the timeline must say it stopped.
        logger.exception("backfill stopped postmortem=%s", postmortem_id)
        gap = Gap.backfill_cut_short(_where(name), f"{type(error).__name__}, after {_read(tally)}")
        return Outcome(tally, oldest, _record(sessions, target, gap))
    with sessions.begin() as session:
        gaps.clear(session, postmortem_id, target.scope, SLACK_GAPS)
    return Outcome(tally, oldest, None)


def window_start(*candidates: datetime | None) -> datetime | None:
    """The earliest of the times known; None reads the whole history."""
    known = [moment for moment in candidates if moment is not None]
    return min(known) if known else None


def message_row(
    team_id: str, postmortem_id: int, channel_id: str, message: Message
) -> TimelineEvent:
    """A Slack message as a timeline row, keyed on "channel:ts"."""
    return TimelineEvent(
        team_id=team_id,
        postmortem_id=postmortem_id,
        occurred_at=ts_to_datetime(message["ts"]),
        source="slack",
        source_key=f"{channel_id}:{message['ts']}",
        text=text_of(message),
        actor=actor_of(message),
        thread_ts=thread_of(message),
        is_key=False,
    )


def _target(sessions: sessionmaker[Session], postmortem_id: int) -> _Target:
    with sessions.begin() as session:
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        return _Target(
            postmortem_id=postmortem.id,
            team_id=postmortem.team_id,
            channel_id=postmortem.channel_id,
            thread_ts=postmortem.thread_ts,
            since=postmortem.history_since,
            first_trigger=timeline.first_time_of_kind(session, postmortem.id, TRIGGER),
        )


def _channel_facts(client: WebClient, channel_id: str) -> tuple[datetime | None, str | None]:
    channel = client.conversations_info(channel=channel_id)["channel"]
    created = channel.get("created")
    return (datetime.fromtimestamp(created, UTC) if created else None), channel.get("name")


def _slack_ts(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment.timestamp():.6f}"


def _file_page(
    sessions: sessionmaker[Session],
    target: _Target,
    page: harvest.Page,
    own: OwnBot,
    tally: Tally,
    now: datetime,
) -> None:
    spoken = {f"{target.channel_id}:{m['ts']}": m for m in page.messages if is_spoken(m, own)}
    deleted = [m["ts"] for m in page.messages if m.get("subtype") == TOMBSTONE]
    with sessions.begin() as session:
        stored = timeline.by_keys(session, target.postmortem_id, "slack", spoken.keys())
        for key, row in stored.items():
            _apply_edit(row, spoken[key])
        fresh = [
            message_row(target.team_id, target.postmortem_id, target.channel_id, message)
            for key, message in spoken.items()
            if key not in stored
        ]
        tally.added += timeline.add_all_unless_exist(session, fresh)
        for ts in deleted:
            capture.record_deletion(
                session, target.postmortem_id, target.team_id, target.channel_id, ts, now
            )
    tally.pages += 1
    tally.messages += len(spoken)
    tally.threads += page.starts_thread


def _apply_edit(row: TimelineEvent, message: Message) -> None:
    """History shows a message as last edited; catch up if live capture missed the edit."""
    edited = message.get("edited") or {}
    if row.deleted_at is not None or not edited.get("ts") or row.text == text_of(message):
        return
    edited_at = ts_to_datetime(edited["ts"])
    if row.edited_at is None or row.edited_at < edited_at:
        row.text, row.edited_at = text_of(message), edited_at


def _slack_gap(code: str, tally: Tally, name: str | None) -> Gap:
    if code in UNREADABLE and tally.pages == 0:
        return Gap.history_unreadable(f"#{name}" if name else None)
    why = (
        "Slack kept rate-limiting after every retry"
        if code == "ratelimited"
        else (f"Slack answered `{code}`")
    )
    return Gap.backfill_cut_short(_where(name), f"{why}, after {_read(tally)}")


def _where(name: str | None) -> str:
    return f"the history of #{name}" if name else "the channel's history"


def _read(tally: Tally) -> str:
    return f"{tally.messages} messages and {tally.threads} threads"


def _record(sessions: sessionmaker[Session], target: _Target, gap: Gap) -> Gap:
    logger.warning("backfill gap postmortem=%s kind=%s", target.postmortem_id, gap.kind.value)
    with sessions.begin() as session:
        gaps.record(session, stored_gap(target.team_id, target.postmortem_id, target.scope, gap))
    return gap


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
