"""When follow-up is due: the digest's local weekday and hour, the nudge's cadence, the review day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import Settings
from bot.core import followup
from bot.errors import ConfigError

MONDAY = 0


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "tz", "week"),
    [
        (utc(2030, 3, 4, 7, 59), "Europe/Berlin", None),  # 08:59 in Berlin
        (utc(2030, 3, 4, 8, 0), "Europe/Berlin", "2030-W10"),  # 09:00 sharp
        (utc(2030, 3, 5, 7, 59), "Europe/Berlin", "2030-W10"),  # a day late is still this week's
        (utc(2030, 3, 5, 8, 0), "Europe/Berlin", None),  # then the window closes
        (utc(2030, 3, 4, 8, 0), "America/New_York", None),  # 03:00 in New York
        (utc(2030, 3, 4, 14, 0), "America/New_York", "2030-W10"),
        (utc(2030, 3, 4, 0, 0), "Asia/Tokyo", "2030-W10"),  # Monday 09:00 in Tokyo is Sunday UTC
        (utc(2030, 3, 4, 9, 0), "Not/AZone", "2030-W10"),  # an unknown zone reads as UTC
    ],
)
def test_the_digest_is_due_from_the_readers_local_weekday_and_hour(
    now: datetime, tz: str, week: str | None
) -> None:
    assert followup.digest_week(now, tz, weekday=MONDAY, hour=9) == week


def test_daylight_saving_moves_the_digest_with_the_reader() -> None:
    # Berlin moves to UTC+2 on 31 March 2030: 09:00 local is then 07:00 UTC.
    assert followup.digest_week(utc(2030, 4, 1, 7, 0), "Europe/Berlin", weekday=0, hour=9)
    assert not followup.digest_week(utc(2030, 3, 25, 7, 0), "Europe/Berlin", weekday=0, hour=9)


def test_a_sunday_evening_digest_keeps_its_week_past_midnight() -> None:
    week = followup.digest_week(utc(2030, 3, 11, 2, 0), "UTC", weekday=6, hour=20)
    assert week == "2030-W10"


def test_the_nudge_comes_48_hours_on_then_daily_five_at_most() -> None:
    base = utc(2030, 3, 1, 12)
    assert followup.nudge_due(base, base + timedelta(hours=47)) is None
    assert followup.nudge_due(base, base + timedelta(hours=48)) == 1
    assert followup.nudge_due(base, base + timedelta(hours=71, minutes=59)) == 1
    assert followup.nudge_due(base, base + timedelta(hours=72)) == 2
    assert followup.nudge_due(base, base + timedelta(hours=48 + 4 * 24)) == 5
    assert followup.nudge_due(base, base + timedelta(days=30)) is None


def test_every_sender_on_the_same_day_names_the_same_nudge() -> None:
    base = utc(2030, 3, 1, 12)
    late = base + timedelta(days=6)  # after an outage: the day's nudge, not the missed ones
    assert {followup.nudge_due(base, late + timedelta(minutes=m)) for m in range(0, 600, 7)} == {5}


def test_the_nudge_counts_from_the_end_else_the_start_else_the_post_mortem() -> None:
    start, end, opened = utc(2030, 3, 1), utc(2030, 3, 2), utc(2030, 3, 3)
    assert followup.nudge_base(end, start, opened) == end
    assert followup.nudge_base(None, start, opened) == start
    assert followup.nudge_base(None, None, opened) == opened


def test_the_review_is_four_weeks_after_publishing_unless_moved() -> None:
    published = utc(2030, 3, 4, 15)
    assert followup.review_day(published, None) == date(2030, 4, 1)
    assert followup.review_day(published, date(2030, 3, 20)) == date(2030, 3, 20)
    assert followup.review_day(None, None) is None
    day = date(2030, 4, 1)
    assert not followup.review_due(day, utc(2030, 4, 1, 6, 59), "Europe/Berlin", hour=9)
    assert followup.review_due(day, utc(2030, 4, 1, 7, 0), "Europe/Berlin", hour=9)
    assert followup.review_due(day, utc(2030, 4, 9), "UTC", hour=9), "late is still due"


def test_a_weeks_snooze_covers_next_weeks_digest_day() -> None:
    until = followup.snooze_until(date(2030, 3, 4))
    assert followup.is_snoozed(until, date(2030, 3, 11))
    assert not followup.is_snoozed(until, date(2030, 3, 12))


@pytest.mark.parametrize(("text", "number"), [("monday", 0), ("Fri", 4), ("SUNDAY", 6), ("3", 2)])
def test_weekdays_are_read_by_name_or_number(text: str, number: int) -> None:
    assert followup.weekday_number(text) == number


def test_reminder_settings_default_to_monday_at_nine() -> None:
    settings = Settings.from_env({})
    assert (settings.reminder_weekday, settings.reminder_hour) == (0, 9)
    custom = Settings.from_env({"REMINDER_WEEKDAY": "thursday", "REMINDER_HOUR": "14"})
    assert (custom.reminder_weekday, custom.reminder_hour) == (3, 14)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REMINDER_WEEKDAY", "someday"),
        ("REMINDER_WEEKDAY", "t"),
        ("REMINDER_HOUR", "24"),
        ("REMINDER_HOUR", "9am"),
    ],
)
def test_a_bad_reminder_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: value})
    assert raised.value.name == name


def test_followup_dates_read_iso_and_plain_words() -> None:
    today = date(2030, 3, 4)
    assert followup.parse_day("2030-03-20", today) == date(2030, 3, 20)
    assert followup.parse_day("next friday", today) == date(2030, 3, 15)
    assert followup.parse_day("whenever", today) is None
