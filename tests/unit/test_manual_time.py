"""Reading the time a person typed for `/postmortem event` and `--since`."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.manual_time import EXAMPLES, TimeNotUnderstood, parse_moment, split_when

# 15:30 UTC is 16:30 in Berlin (CET, UTC+1, in November).
NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def _at(text: str, zone: ZoneInfo = BERLIN) -> tuple[datetime, str]:
    when = split_when(text, now=NOW, zone=zone)
    return when.at, when.rest


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:05 rolled back", datetime(2026, 11, 24, 13, 5, tzinfo=UTC)),
        ("2026-11-24 14:05 rolled back", datetime(2026, 11, 24, 13, 5, tzinfo=UTC)),
        ("14:05 UTC rolled back", datetime(2026, 11, 24, 14, 5, tzinfo=UTC)),
        ("yesterday 23:10 rolled back", datetime(2026, 11, 23, 22, 10, tzinfo=UTC)),
        ("2:05pm rolled back", datetime(2026, 11, 24, 13, 5, tzinfo=UTC)),
        ("2026-11-24T14:05Z rolled back", datetime(2026, 11, 24, 14, 5, tzinfo=UTC)),
        ("14:05 +05:00 rolled back", datetime(2026, 11, 24, 9, 5, tzinfo=UTC)),
    ],
)
def test_the_documented_forms_are_read_in_the_authors_zone_and_stored_as_utc(
    typed: str, expected: datetime
) -> None:
    at, rest = _at(typed)
    assert at == expected
    assert at.utcoffset() is not None and at.utcoffset().total_seconds() == 0
    assert rest == "rolled back"


def test_every_example_shown_to_people_is_itself_readable() -> None:
    for example in EXAMPLES:
        assert _at(f"{example} paged the on-call")[1] == "paged the on-call"


def test_a_clock_time_later_than_now_means_the_day_before() -> None:
    at, _ = _at("17:00 error rate climbing")  # 16:00 UTC today has not happened yet
    assert at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_summer_time_is_applied_on_the_day_named() -> None:
    at, _ = _at("2026-07-01 14:05 deploy")
    assert at == datetime(2026, 7, 1, 12, 5, tzinfo=UTC)


def test_the_text_after_the_time_is_kept_as_typed() -> None:
    _, rest = _at("14:05  ran `kubectl rollout undo`\nthen watched --to-revision=3")
    assert rest == "ran `kubectl rollout undo`\nthen watched --to-revision=3"


def test_words_dateutil_would_take_for_a_date_stay_in_the_text() -> None:
    at, rest = _at("14:05 May have been DNS")
    assert at == datetime(2026, 11, 24, 13, 5, tzinfo=UTC)
    assert rest == "May have been DNS"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("rolled back at 14:05", "could not read a time"),
        ("5 errors in the logs", "could not read a time"),
        ("tomorrow 14:05 deploy", "could not read a time"),
        ("14:05", "Say what happened"),
        ("2026-12-24 10:00 deploy", "in the future"),
        ("14:05 PST deploy", "not PST"),
        ("yesterday 2026-11-20 14:05 deploy", "could not read a time"),
        ("", "could not read a time"),
    ],
)
def test_what_cannot_be_read_says_why(typed: str, problem: str) -> None:
    with pytest.raises(TimeNotUnderstood, match=problem):
        split_when(typed, now=NOW, zone=BERLIN)


def test_since_takes_a_whole_time_and_nothing_else() -> None:
    assert parse_moment("yesterday 23:10", now=NOW, zone=BERLIN) == datetime(
        2026, 11, 23, 22, 10, tzinfo=UTC
    )
    with pytest.raises(TimeNotUnderstood):
        parse_moment("14:05 deploy", now=NOW, zone=BERLIN)
    with pytest.raises(TimeNotUnderstood):
        parse_moment("last tuesday", now=NOW, zone=BERLIN)
