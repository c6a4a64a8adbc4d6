"""Pins and key reactions made during the incident, before `start`, count when history is read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.flows import channel_history
from bot.sandbox import Sandbox
from bot.services import marks
from bot.services.marks import MarkRequest
from storage.models import TimelineEvent, TimelineMark
from tests.storage.test_backfill import ALICE, BOB, CHANNEL, OWN, _at, _client, _sandbox, _start


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = _sandbox(rate_window_seconds=1.0, rate_limits=False)
    yield sandbox
    sandbox.stop()


def _key(sessions: sessionmaker[Session], postmortem_id: int) -> dict[str, bool]:
    with sessions() as session:
        query = select(TimelineEvent).where(TimelineEvent.postmortem_id == postmortem_id)
        return {row.text: row.is_key for row in session.scalars(query)}


def _marks(sessions: sessionmaker[Session], postmortem_id: int) -> set[tuple[str, str]]:
    with sessions() as session:
        query = select(TimelineMark).where(TimelineMark.postmortem_id == postmortem_id)
        return {(mark.source_key, mark.marked_by) for mark in session.scalars(query)}


def test_pins_and_key_reactions_made_before_start_are_key_with_who_marked_them(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    slack = sb.slack
    alarm = slack.post_as_user(CHANNEL, ALICE, "checkout 500s climbing", ts=_at(1))["ts"]
    cause = slack.post_as_user(CHANNEL, BOB, "replica lag", thread_ts=alarm, ts=_at(2))["ts"]
    fix = slack.post_as_user(CHANNEL, BOB, "rolled back", ts=_at(3))["ts"]
    slack.post_as_user(CHANNEL, ALICE, "is it DNS?", ts=_at(4))
    toned = slack.post_as_user(CHANNEL, ALICE, "error rate normal", ts=_at(5))["ts"]
    slack.pin(CHANNEL, alarm, BOB)
    slack.add_reaction(CHANNEL, cause, ALICE, "pushpin")
    slack.add_reaction(CHANNEL, fix, ALICE, "pushpin")
    slack.add_reaction(CHANNEL, fix, BOB, "pushpin")
    slack.add_reaction(CHANNEL, alarm, ALICE, "eyes")
    slack.add_reaction(CHANNEL, toned, BOB, "pushpin::skin-tone-3")
    postmortem_id = _start(sessions)

    channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)
    again = channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert _key(sessions, postmortem_id) == {
        "checkout 500s climbing": True,
        "replica lag": True,
        "rolled back": True,
        "is it DNS?": False,
        "error rate normal": True,
    }
    assert _marks(sessions, postmortem_id) == {
        (f"{CHANNEL}:{alarm}", f"pin:{BOB}"),
        (f"{CHANNEL}:{cause}", f"reaction:{ALICE}"),
        (f"{CHANNEL}:{fix}", f"reaction:{ALICE}"),
        (f"{CHANNEL}:{fix}", f"reaction:{BOB}"),
        (f"{CHANNEL}:{toned}", f"reaction:{BOB}"),
    }
    assert again.tally.added == 0 and again.gap is None


def test_another_key_reaction_is_honoured_and_pushpin_then_is_not(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    star = sb.slack.post_as_user(CHANNEL, ALICE, "db failover", ts=_at(1))["ts"]
    pin = sb.slack.post_as_user(CHANNEL, ALICE, "pager went off", ts=_at(2))["ts"]
    sb.slack.add_reaction(CHANNEL, star, BOB, "star")
    sb.slack.add_reaction(CHANNEL, pin, BOB, "pushpin")
    postmortem_id = _start(sessions)

    channel_history.backfill_channel(
        sessions, _client(sb), postmortem_id, own=OWN, key_reaction="star"
    )

    assert _key(sessions, postmortem_id) == {"db failover": True, "pager went off": False}


def test_a_pin_known_only_from_pins_list_still_counts(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    ts = sb.slack.post_as_user(CHANNEL, ALICE, "status page updated", ts=_at(1))["ts"]
    sb.slack.pin(CHANNEL, ts, BOB)
    with sb.slack.lock:  # history without `pinned_to`: pins.list alone says it
        sb.slack.channel(CHANNEL).messages[next(iter(sb.slack.channel(CHANNEL).pins))].pop(
            "pinned_to"
        )
    postmortem_id = _start(sessions)

    channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)

    assert _key(sessions, postmortem_id) == {"status page updated": True}
    assert sb.slack.call_count("pins.list") == 1


def test_a_pin_seen_only_in_history_is_a_pin_and_unpinning_removes_any_pin_mark(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    ts = sb.slack.post_as_user(CHANNEL, ALICE, "db failover done", ts=_at(1))["ts"]
    sb.slack.pin(CHANNEL, ts, BOB)
    with sb.slack.lock:  # pins.list forgets it (eventual consistency): history alone says
        sb.slack.channel(CHANNEL).pins.clear()
    postmortem_id = _start(sessions)
    channel_history.backfill_channel(sessions, _client(sb), postmortem_id, own=OWN)
    assert _marks(sessions, postmortem_id) == {(f"{CHANNEL}:{ts}", "pin")}

    unpin = MarkRequest("T0SANDBOX", CHANNEL, ts, f"pin:{ALICE}", adding=False)
    with sessions.begin() as session:
        assert marks.apply(session, unpin, None, OWN)
    assert _marks(sessions, postmortem_id) == set()
    assert _key(sessions, postmortem_id) == {"db failover done": False}
