"""Backfill: a channel's past messages and threads filed on its post-mortem, page by page.

The window opens at the earliest of the `--since` a person gave, the first PagerDuty
trigger and the channel's creation. Each page is written in a short transaction of its
own (`bot.services.backfill`), so memory stays flat, a re-run adds nothing twice, and
live capture can write alongside. Whatever stops the reading (not in the channel, rate
limits outlasting the retries, anything) ends it with a gap recorded on the timeline
rather than an error: what was read is kept.

A crash is not a stop: the backfill records how far back it has read as it goes
(`bot.services.backfill_progress`), and until it has read everything the timeline
states what is not read yet. One a crash cut short resumes from there the next time
the channel is backfilled, which the inbox's replay of the interrupted `start` does by
itself after the restart: no job of its own, since the inbox already runs every
recorded request at least once.

Slack's rate limit is not waited out here. Apps outside the Marketplace may read
`conversations.history` and `.replies` once a minute, 15 messages a page (Slack's 2025
terms); the bot learns that from the 429 and its Retry-After alone. The Slack client
raises the 429 at once (`bot.clients.without_rate_limit_waits`) and the backfill
returns `Paused`: where its walk stands (`harvest.Walk`, the very call refused), the
windows left, the tally, and an estimate of the time left. The caller keeps that as
an inbox item due after Retry-After (`bot.services.backfill_resume`), and the worker
thread is free meanwhile; the resume takes the walk up with the call that was refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import without_rate_limit_waits
from bot.config import DEFAULT_KEY_REACTION
from bot.core.gathering import HistoryOutcome, Tally
from bot.core.spoken import OwnBot
from bot.core.timeline import Gap
from bot.services import backfill
from bot.services import backfill_progress as progress
from bot.services.backfill import Target, window_start
from bot.slack import harvest
from storage.models import utcnow

logger = logging.getLogger(__name__)

# Refusals that mean the bot may not read this channel at all.
UNREADABLE = frozenset(
    {"not_in_channel", "channel_not_found", "missing_scope", "access_denied", "not_allowed"}
)


ProgressHook = Callable[[Tally], None]


def backfill_channel(
    sessions: sessionmaker[Session],
    client: WebClient,
    postmortem_id: int,
    *,
    own: OwnBot,
    on_progress: ProgressHook | None = None,
    progress_every: int = 2,
    clock: Callable[[], datetime] = utcnow,
    key_reaction: str = DEFAULT_KEY_REACTION,
    resume: Plan | None = None,
    facts: ChannelFacts | None = None,
) -> HistoryOutcome | Paused:
    """Read the channel's history into the timeline; the outcome says how much, and any
    gap, or `Paused` when Slack's rate limit stopped it (`resume` takes it up again).

    Messages pinned or carrying `key_reaction` when read are filed key. A backfill a
    crash cut short (its progress is still recorded) resumes where it stopped. `facts`:
    the channel's `conversations.info` when the caller asked it already (`start`)."""
    with sessions.begin() as session:
        target = backfill.target(session, postmortem_id)
        left = progress.left_off(session, target)
        stale = progress.has_gaps(session, target)
    plan = resume
    tally, oldest, name = (Tally() if plan is None else plan.tally), None, None
    try:
        created, name = facts or channel_facts(client, target.channel_id)
        oldest = window_start(target.since, target.first_trigger, created)
        # The history walk's 429s pause the backfill; other calls wait them out as usual.
        walking = without_rate_limit_waits(client)
        reading = Reading(sessions, walking, target, own, tally, clock, _where(name))
        reading.pins = _Pins(client, target.channel_id, key_reaction)
        if plan is None:
            windows = reading.windows(left, _slack_ts(oldest))
            plan = Plan(windows, tally=tally, started=clock().timestamp())
            plan.unrecorded = _now_ts(clock) if left is None else None
        reading.run(plan, on_progress, progress_every)
        stale = stale or plan.begun
    except SlackApiError as error:
        code = str(error.response.get("error"))
        if code == RATE_LIMITED and plan is not None:
            return _paused(plan, error, clock, oldest)
        gap = _slack_gap(code, tally, name)
        return HistoryOutcome(tally, oldest, _record(sessions, target, gap))
    except Exception as error:
        # Stopping is right whatever went wrong, but the timeline must say it stopped.
        logger.exception("backfill stopped postmortem=%s", postmortem_id)
        gap = Gap.backfill_cut_short(_where(name), f"{type(error).__name__}, after {_read(tally)}")
        return HistoryOutcome(tally, oldest, _record(sessions, target, gap))
    if stale or left is not None:
        # Nothing recorded and nothing read (an empty channel): no write to undo.
        with sessions.begin() as session:
            backfill.clear_gaps(session, target)
            progress.finish(session, target)
    return HistoryOutcome(tally, oldest, None)


RATE_LIMITED = "ratelimited"
# When a 429 names no Retry-After: Slack's non-Marketplace window.
DEFAULT_RETRY_SECONDS = 60.0


@dataclass(frozen=True)
class Window:
    """Part of the history to read: from `oldest` up to `latest` (None: to now).
    `tracked`: as its pages are filed, the backfill's progress moves back with them."""

    oldest: str | None
    latest: str | None
    tracked: bool


@dataclass
class Plan:
    """What a backfill has left to read: `windows` in turn, the first one's walk under
    way (`walk`, None before its first call), the oldest ts of a history page whose
    threads are still being read (`pending`), what it read so far and since when
    (`started`, a Unix time). Kept as JSON (`state`) while the backfill is paused."""

    windows: list[Window]
    tally: Tally
    started: float
    walk: harvest.Walk | None = None
    pending: str | None = None
    # The oldest top-level ts read so far: how far back the reading has got.
    reached: str | None = None
    # A fresh backfill's progress (`progress.begin`, up to this ts) is recorded with its
    # first message, not before: an empty channel writes none. None once recorded.
    unrecorded: str | None = None
    begun: bool = False

    def state(self) -> dict[str, Any]:
        return {
            "windows": [asdict(window) for window in self.windows],
            "tally": asdict(self.tally),
            "started": self.started,
            "walk": None if self.walk is None else self.walk.state(),
            "pending": self.pending,
            "reached": self.reached,
            "unrecorded": self.unrecorded,
            "begun": self.begun,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Plan:
        """ValueError, TypeError or KeyError when `state` is not a plan's."""
        walk = state.get("walk")
        return cls(
            windows=[Window(**window) for window in state["windows"]],
            tally=Tally(**state["tally"]),
            started=float(state["started"]),
            walk=None if walk is None else harvest.Walk.from_state(walk),
            pending=state.get("pending"),
            reached=state.get("reached"),
            unrecorded=state.get("unrecorded"),
            begun=bool(state.get("begun", True)),
        )


@dataclass(frozen=True)
class Paused:
    """Slack's rate limit stopped the reading: resume `plan` in `after` seconds.
    `left` estimates the time the rest will take at that pace (None: no way to tell);
    `reached` is how far back it has read."""

    plan: Plan
    after: float
    left: timedelta | None
    reached: datetime | None


def _paused(
    plan: Plan, error: SlackApiError, clock: Callable[[], datetime], oldest: datetime | None
) -> Paused:
    after = retry_after(error)
    newest = _newest(plan)
    reached = float(plan.reached) if plan.reached else None
    left = progress.estimate_left(
        calls=plan.tally.pages,
        newest=newest,
        reached=reached,
        oldest=oldest.timestamp() if oldest else None,
        every=after,
    )
    logger.info(
        "backfill paused by Slack's rate limit postmortem_pages=%s retry_after=%.0f",
        plan.tally.pages,
        after,
    )
    return Paused(
        plan, after, left, None if reached is None else datetime.fromtimestamp(reached, UTC)
    )


def _newest(plan: Plan) -> float | None:
    """The newest ts the tracked window reads from (None: up to now, as it began)."""
    tracked = [w for w in plan.windows if w.tracked]
    if not tracked:
        return None
    return float(tracked[0].latest) if tracked[0].latest else plan.started


def retry_after(error: SlackApiError) -> float:
    """The seconds a 429 asks to wait (Retry-After), at least 1."""
    headers = {str(k).lower(): v for k, v in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1.0, float(value)) if value is not None else DEFAULT_RETRY_SECONDS
    except (TypeError, ValueError):
        return DEFAULT_RETRY_SECONDS


@dataclass
class Reading:
    """One backfill under way: where it files pages, and how it records its progress."""

    sessions: sessionmaker[Session]
    client: WebClient
    target: Target
    own: OwnBot
    tally: Tally
    clock: Callable[[], datetime]
    where: str
    pins: _Pins | None = None

    def windows(self, left: progress.LeftOff | None, oldest: str | None) -> list[Window]:
        """A fresh backfill reads the whole window, newest first (its progress is recorded
        with the first message read: `Plan.unrecorded`). One that was cut short reads what
        it had not reached yet (older than where it stopped), then what was posted since
        it began; what it had filed is not read again."""
        if left is None:
            return [Window(oldest, None, tracked=True)]
        logger.info(
            "backfill resumed postmortem=%s read_down_to=%s",
            self.target.postmortem_id,
            left.read_down_to,
        )
        return [
            Window(oldest, left.read_down_to or left.newest_ts, tracked=True),
            Window(left.newest_ts, None, tracked=False),
        ]

    def run(self, plan: Plan, on_progress: ProgressHook | None, every: int) -> None:
        """Read `plan`'s windows in turn; a refused call leaves `plan` saying what is left."""
        while plan.windows:
            self.read(plan.windows[0], plan, on_progress, every)
            plan.windows.pop(0)
            plan.walk, plan.pending = None, None

    def read(
        self, window: Window, plan: Plan, on_progress: ProgressHook | None, every: int
    ) -> None:
        # The post-mortem's own thread is the retrospective, not the incident.
        skip = [self.target.thread_ts] if self.target.thread_ts else []
        if plan.walk is None:
            if not window.tracked:
                with self.sessions.begin() as session:
                    progress.reading_newer(session, self.target, where=self.where)
            channel = self.target.channel_id
            plan.walk = harvest.Walk(
                channel, oldest=window.oldest, latest=window.latest, skip_threads=tuple(skip)
            )
        # plan.pending: the oldest ts of a history page whose threads are still being
        # read: the next history page (or the end) says they are all filed.
        for page in harvest.walk_pages(self.client, plan.walk):
            if page.thread_ts is None and plan.pending is not None:
                self._advance(window, plan, plan.pending)
                plan.pending = None
            if backfill.files_anything(page.messages, self.own):
                self._begin(plan)
                _file_page(
                    self.sessions,
                    self.target,
                    page,
                    self.own,
                    self.tally,
                    self.clock(),
                    self.marking,
                )
            _count_page(self.tally, page)
            if page.thread_ts is None and page.messages:
                plan.pending = min((m["ts"] for m in page.messages), key=float)
                if window.tracked:
                    plan.reached = plan.pending
                if not _opens_threads(page, skip):
                    self._advance(window, plan, plan.pending)
                    plan.pending = None
            if on_progress is not None and self.tally.pages % every == 0:
                on_progress(self.tally)
        if plan.pending is not None:
            self._advance(window, plan, plan.pending)
            plan.pending = None

    @property
    def marking(self) -> Marking:
        """What makes a message key; `pins.list` asked once, when a message is first filed."""
        return Marking(DEFAULT_KEY_REACTION, {}) if self.pins is None else self.pins.marking()

    def _begin(self, plan: Plan) -> None:
        """Record the fresh backfill's progress before its first message is filed."""
        if plan.unrecorded is None:
            return
        with self.sessions.begin() as session:
            progress.begin(session, self.target, newest_ts=plan.unrecorded, where=self.where)
        plan.unrecorded, plan.begun = None, True

    def _advance(self, window: Window, plan: Plan, read_down_to: str) -> None:
        # Unrecorded: nothing filed yet, so no progress to move (a crash re-reads no more).
        if window.tracked and plan.unrecorded is None:
            with self.sessions.begin() as session:
                progress.advance(session, self.target, read_down_to=read_down_to, where=self.where)


def _opens_threads(page: harvest.Page, skip: list[str]) -> bool:
    """Whether harvest reads thread replies after this history page (as `harvest.pages` does)."""
    return any(m.get("reply_count", 0) > 0 and m["ts"] not in skip for m in page.messages)


def _now_ts(clock: Callable[[], datetime]) -> str:
    return f"{clock().timestamp():.6f}"


ChannelFacts = tuple[datetime | None, str | None]
"""A channel's creation time and name, from its `conversations.info`."""


def channel_facts(client: WebClient, channel_id: str) -> ChannelFacts:
    return facts_of(client.conversations_info(channel=channel_id)["channel"])


def facts_of(channel: Mapping[str, Any]) -> ChannelFacts:
    """The facts of a `conversations.info` answer's `channel` (a caller that asked already)."""
    created = channel.get("created")
    return (datetime.fromtimestamp(created, UTC) if created else None), channel.get("name")


@dataclass(frozen=True)
class Marking:
    """What makes a message read from history key: the key reaction, or being pinned."""

    key_reaction: str
    pinned: Mapping[str, str | None]


@dataclass
class _Pins:
    """The channel's pins, asked of Slack the first time a message needs them (an empty
    channel asks nothing)."""

    client: WebClient
    channel_id: str
    key_reaction: str
    _marking: Marking | None = None

    def marking(self) -> Marking:
        if self._marking is None:
            self._marking = Marking(self.key_reaction, _pinned(self.client, self.channel_id))
        return self._marking


def _pinned(client: WebClient, channel_id: str) -> dict[str, str | None]:
    """The channel's pinned messages (`pins.list`): ts -> who pinned it (`created_by`).
    History's `pinned_to` says that they are pinned, so a refusal (no `pins:read`) only
    loses who pinned them."""
    try:
        items = client.pins_list(channel=channel_id).get("items") or []
    except SlackApiError as error:
        logger.info("pins.list refused error=%s", error.response.get("error"))
        return {}
    return {
        str(item["message"]["ts"]): item.get("created_by") or None
        for item in items
        if item.get("type") == "message" and (item.get("message") or {}).get("ts")
    }


def _slack_ts(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment.timestamp():.6f}"


def _file_page(
    sessions: sessionmaker[Session],
    target: Target,
    page: harvest.Page,
    own: OwnBot,
    tally: Tally,
    now: datetime,
    marking: Marking,
) -> None:
    with sessions.begin() as session:
        added, spoken = backfill.file_page(
            session,
            target,
            page.messages,
            own,
            now,
            key_reaction=marking.key_reaction,
            pinned=marking.pinned,
        )
        tally.added += added
    tally.messages += spoken


def _count_page(tally: Tally, page: harvest.Page) -> None:
    """A page read, filed or empty (an empty one needs no transaction)."""
    tally.pages += 1
    tally.threads += page.starts_thread


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


def _record(sessions: sessionmaker[Session], target: Target, gap: Gap) -> Gap:
    """The backfill stopped (not crashed): its own gap says so, and the next one reads afresh."""
    logger.warning("backfill gap postmortem=%s kind=%s", target.postmortem_id, gap.kind.value)
    with sessions.begin() as session:
        backfill.record_gap(session, target, gap)
        progress.finish(session, target)
    return gap
