"""Backfill: a channel's past messages and threads filed on its post-mortem, page by page.

The window opens at the earliest of the `--since` a person gave, the first PagerDuty
trigger and the channel's creation. Each page is written in a short transaction of its
own (`bot.services.backfill`), so memory stays flat, a re-run adds nothing twice, and
live capture can write alongside. Whatever stops the reading (not in the channel, rate
limits outlasting the retries, anything) ends it with a gap recorded on the timeline
rather than an error: what was read is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import DEFAULT_KEY_REACTION
from bot.core.gathering import HistoryOutcome, Tally
from bot.core.spoken import OwnBot
from bot.core.timeline import Gap
from bot.services import backfill
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
) -> HistoryOutcome:
    """Read the channel's history into the timeline; the outcome says how much, and any gap.

    Messages pinned or carrying `key_reaction` when read are filed key."""
    with sessions.begin() as session:
        target = backfill.target(session, postmortem_id)
    tally, oldest, name = Tally(), None, None
    try:
        created, name = _channel_facts(client, target.channel_id)
        oldest = window_start(target.since, target.first_trigger, created)
        # The post-mortem's own thread is the retrospective, not the incident.
        skip = [target.thread_ts] if target.thread_ts else []
        marking = Marking(key_reaction, _pinned(client, target.channel_id))
        for page in harvest.pages(
            client, target.channel_id, oldest=_slack_ts(oldest), skip_threads=skip
        ):
            _file_page(sessions, target, page, own, tally, clock(), marking)
            if on_progress is not None and tally.pages % progress_every == 0:
                on_progress(tally)
    except SlackApiError as error:
        gap = _slack_gap(str(error.response.get("error")), tally, name)
        return HistoryOutcome(tally, oldest, _record(sessions, target, gap))
    except Exception as error:
        # Stopping is right whatever went wrong, but the timeline must say it stopped.
        logger.exception("backfill stopped postmortem=%s", postmortem_id)
        gap = Gap.backfill_cut_short(_where(name), f"{type(error).__name__}, after {_read(tally)}")
        return HistoryOutcome(tally, oldest, _record(sessions, target, gap))
    with sessions.begin() as session:
        backfill.clear_gaps(session, target)
    return HistoryOutcome(tally, oldest, None)


def _channel_facts(client: WebClient, channel_id: str) -> tuple[datetime | None, str | None]:
    channel = client.conversations_info(channel=channel_id)["channel"]
    created = channel.get("created")
    return (datetime.fromtimestamp(created, UTC) if created else None), channel.get("name")


@dataclass(frozen=True)
class Marking:
    """What makes a message read from history key: the key reaction, or being pinned."""

    key_reaction: str
    pinned: Mapping[str, str | None]


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
    tally.pages += 1
    tally.messages += spoken
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
    logger.warning("backfill gap postmortem=%s kind=%s", target.postmortem_id, gap.kind.value)
    with sessions.begin() as session:
        backfill.record_gap(session, target, gap)
    return gap
