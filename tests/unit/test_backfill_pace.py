"""A backfill Slack's rate limit paused: the time left it states, and the words for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.gathering import Tally
from bot.services.backfill_progress import estimate_left
from bot.slack.timeline_blocks import reading_paused

HOUR = 3600.0


def test_a_quarter_read_in_two_calls_at_one_a_minute_has_six_minutes_left() -> None:
    left = estimate_left(calls=2, newest=4 * HOUR, reached=3 * HOUR, oldest=0.0, every=60.0)

    assert left == timedelta(minutes=6)


def test_without_a_known_start_or_anything_read_the_time_left_is_not_guessed() -> None:
    assert estimate_left(calls=2, newest=HOUR, reached=0.5 * HOUR, oldest=None, every=60) is None
    assert estimate_left(calls=0, newest=HOUR, reached=HOUR, oldest=0.0, every=60) is None


def test_the_line_says_the_count_how_far_back_the_pace_and_the_time_left() -> None:
    tally = Tally(messages=45, threads=2, pages=4)
    reached = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)

    line = reading_paused(tally, left=timedelta(minutes=12), every=60.0, reached=reached)

    assert "45 messages, 2 threads so far, back to 2026-03-02 14:05 UTC" in line
    assert "one history read every minute" in line
    assert "about 12 min left" in line


def test_an_unknown_time_left_is_said_plainly() -> None:
    line = reading_paused(Tally(messages=15, pages=1), left=None, every=7.0, reached=None)

    assert "every 7 s" in line and "not known yet" in line
