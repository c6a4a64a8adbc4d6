"""The incident's own clock: milestones read from the data, set by people, and measured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import milestones as clock
from bot.core.manual_time import TimeNotUnderstood
from bot.core.milestones import Milestone, Milestones, Name, Origin, UnknownMilestone
from bot.core.spoken import actor_of, text_of
from bot.core.timeline import TimelineEntry
from bot.pagerduty.timeline import from_webhook
from bot.pagerduty.webhook import parse_webhook
from tests import published

T0 = datetime(2026, 11, 30, 22, 40, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def said(minutes: float, text: str, *, by: str = "U0ALICE", key: bool = False) -> TimelineEntry:
    stamp = f"{at(minutes).timestamp():.6f}"
    return TimelineEntry(at(minutes), "slack", f"C1:{stamp}", text, by, is_key=key)


def pager(minutes: float, kind: str, key: str) -> TimelineEntry:
    return TimelineEntry(at(minutes), "pagerduty", key, kind, "Ben", False, kind, "PX", "webhook")


def typed(minutes: float, text: str, kind: str | None = None) -> TimelineEntry:
    return TimelineEntry(at(minutes), "manual", f"manual:{minutes}", text, "U0BOB", True, kind)


def person(name: Name, minutes: float) -> Milestone:
    return Milestone(name, at(minutes), Origin.PERSON, confirmed=True, by="U0ALICE")


def the_night() -> list[TimelineEntry]:
    """22:40 impact (nobody saw), 22:43 Datadog posts, 22:44 the pager, ack, a marked
    rollback, the resolve, then next-morning chatter."""
    return [
        said(3, "[Triggered] checkout 5xx > 5%", by="Datadog"),
        pager(4, "trigger", "E1"),
        pager(7, "acknowledged", "E2"),
        said(20, "is it mitigated?"),
        said(47, "Rolled back; error rate mitigated", key=True),
        pager(86, "resolved", "E3"),
        said(600, "morning all, reading the backlog"),
    ]


# --- what the data says -------------------------------------------------------------


def test_pagerduty_and_an_alert_bot_give_detection_acknowledgement_and_resolution() -> None:
    derived = clock.derive(the_night())
    detected = derived.get(Name.DETECTED)
    assert detected is not None and detected.at == at(3) and detected.origin is Origin.ALERT
    assert derived.at(Name.ACKNOWLEDGED) == at(7)
    mitigated = derived.get(Name.MITIGATED)
    assert mitigated is not None and mitigated.origin is Origin.MARKED and mitigated.at == at(47)
    resolved = derived.get(Name.RESOLVED)
    assert resolved is not None and resolved.origin is Origin.PAGERDUTY
    assert not any(m.confirmed for m in derived.known), "nobody confirmed anything"


def test_nothing_in_the_data_says_when_impact_started_or_the_incident_was_declared() -> None:
    derived = clock.derive(the_night())
    assert derived.missing == (Name.STARTED, Name.DECLARED)


def test_a_published_pagerduty_trigger_is_a_detection() -> None:
    body = published.read_bytes("pagerduty_v3_incident.triggered.aldaviva.body.json")
    entry = from_webhook(parse_webhook(body))
    detected = clock.derive([entry]).get(Name.DETECTED)
    assert detected is not None and detected.origin is Origin.PAGERDUTY
    assert detected.at == datetime(2025, 4, 7, 3, 47, 13, 414000, tzinfo=UTC)
    assert detected.ref == entry.source_key


def test_a_person_saying_mitigated_unmarked_or_asking_is_no_mitigation() -> None:
    entries = [said(5, "mitigated I think"), said(6, "is it mitigated?", key=True)]
    assert clock.derive(entries).get(Name.MITIGATED) is None


def test_a_manual_line_is_marked_by_definition() -> None:
    entries = [typed(12, "Mitigation deployed to all regions"), typed(30, "all good", "resolved")]
    derived = clock.derive(entries)
    assert derived.at(Name.MITIGATED) == at(12) and derived.at(Name.RESOLVED) == at(30)


def test_a_pager_status_update_saying_mitigated_is_not_a_mitigation() -> None:
    update = TimelineEntry(at(3), "pagerduty", "E2", "Status: mitigated", kind="status_update")
    assert clock.derive([update]).get(Name.MITIGATED) is None


def test_a_reopened_incident_is_not_resolved_until_it_is_resolved_again() -> None:
    reopened = [pager(0, "trigger", "E1"), pager(10, "resolved", "E2"), pager(12, "reopened", "E3")]
    assert clock.derive(reopened).get(Name.RESOLVED) is None
    again = clock.derive([*reopened, pager(40, "resolved", "E4")])
    assert again.at(Name.RESOLVED) == at(40)


def test_the_detection_answer_counts_when_it_is_the_first_sign() -> None:
    answer = clock.from_detection_answer(
        "A customer emailed support at 23:41, before any alert",
        zone=BERLIN,
        near=at(3),
        answer_ref="answer:7",
    )
    assert answer is not None and answer.at == at(1), "23:41 in Berlin is 22:41 UTC"
    detected = clock.derive(the_night(), detection_answer=answer).get(Name.DETECTED)
    assert detected is not None and detected.origin is Origin.INTERVIEW


def test_an_answer_time_without_a_zone_needs_its_authors() -> None:
    text = "Datadog paged at 22:43"
    assert clock.stated_time(text, zone=None, near=T0) is None
    assert clock.stated_time("Datadog paged at 22:43 UTC", zone=None, near=T0) == at(3)
    assert clock.stated_time("we saw it on the dashboard", zone=BERLIN, near=T0) is None


def test_an_answer_written_the_next_day_reads_the_clock_nearest_the_incident() -> None:
    # 26 hours later, "22:43" is still the night of the incident, not yesterday evening.
    assert clock.stated_time("alerted 22:43 UTC", zone=None, near=at(3)) == at(3)
    assert clock.stated_time("alerted 00:10 UTC", zone=None, near=at(3)) == at(90)


# --- people over data ---------------------------------------------------------------


def test_a_persons_setting_wins_over_what_the_data_says() -> None:
    derived = clock.derive(the_night())
    known = clock.effective([person(Name.DETECTED, 2), person(Name.STARTED, 0)], derived)
    detected = known.get(Name.DETECTED)
    assert detected is not None and detected.at == at(2) and detected.confirmed
    assert [m.name for m in known.known] == [
        Name.STARTED,
        Name.DETECTED,
        Name.ACKNOWLEDGED,
        Name.MITIGATED,
        Name.RESOLVED,
    ]


def test_a_confirmed_derived_time_says_both_where_it_came_from_and_that_it_was_confirmed() -> None:
    confirmed = Milestone(Name.RESOLVED, at(86), Origin.PAGERDUTY, confirmed=True, by="U0BOB")
    assert confirmed.origin_words == "PagerDuty, confirmed"
    assert person(Name.STARTED, 0).origin_words == "set by a person"


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("detected", Name.DETECTED),
        ("Impact", Name.STARTED),
        ("started", Name.STARTED),
        ("ack", Name.ACKNOWLEDGED),
        ("declared", Name.DECLARED),
        ("resolution", Name.RESOLVED),
    ],
)
def test_milestones_are_named_by_their_word_or_a_plain_alias(word: str, name: Name) -> None:
    assert clock.name_of(word) is name


def test_an_unknown_milestone_lists_the_real_ones() -> None:
    with pytest.raises(UnknownMilestone, match="`started`, `detected`"):
        clock.name_of("fixed")


# --- durations, window, deadline ----------------------------------------------------


def test_durations_are_the_readme_pairs_of_milestones() -> None:
    known = clock.effective([person(Name.STARTED, 0)], clock.derive(the_night()))
    measured = clock.durations(known)
    assert measured.to_detect == timedelta(minutes=3)
    assert measured.to_acknowledge == timedelta(minutes=4)
    assert measured.to_mitigate == timedelta(minutes=47)
    assert measured.to_resolve == timedelta(hours=1, minutes=26)
    assert measured.unknown == ()


def test_a_missing_milestone_is_named_never_guessed() -> None:
    measured = clock.durations(clock.derive(the_night()))
    assert measured.to_detect is None and measured.to_resolve is None
    assert measured.why_unknown("to_detect") == "set `started`"
    assert measured.why_unknown("to_mitigate") == "set `started`"
    assert measured.to_acknowledge == timedelta(minutes=4)
    assert clock.durations(Milestones()).why_unknown("to_acknowledge") == "set `detected`"


def test_a_milestone_set_before_its_start_is_named_not_measured_as_negative() -> None:
    known = Milestones((person(Name.STARTED, 10), person(Name.DETECTED, 5)))
    measured = clock.durations(known)
    assert measured.to_detect is None
    assert measured.why_unknown("to_detect") == "`detected` is before `started`"


def test_the_window_runs_from_impact_to_resolution_not_to_the_morning_chatter() -> None:
    known = clock.effective([person(Name.STARTED, 0)], clock.derive(the_night()))
    assert clock.window(known) == (at(0), at(86))


def test_without_impact_started_the_window_starts_at_the_first_milestone_known() -> None:
    assert clock.window(clock.derive(the_night())) == (at(3), at(86))
    assert clock.window(Milestones()) == (None, None)


def test_the_48_hours_count_from_resolved_else_mitigated_else_impact_else_the_start() -> None:
    opened = at(26 * 60)
    night = clock.derive(the_night())
    assert clock.deadline_base(night, opened) == (at(86), "the incident was resolved")
    unresolved = Milestones(tuple(m for m in night.known if m.name is not Name.RESOLVED))
    assert clock.deadline_base(unresolved, opened) == (at(47), "the incident was mitigated")
    only_start = Milestones((person(Name.STARTED, 0),))
    assert clock.deadline_base(only_start, opened) == (at(0), "the incident started")
    assert clock.deadline_base(Milestones(), opened) == (opened, "the post-mortem was opened")


def test_a_clock_time_typed_a_day_later_is_the_incidents_night() -> None:
    a_day_later = at(26 * 60)
    read = clock.read_setting("23:40", now=a_day_later, zone=BERLIN, near=at(3))
    assert read == at(0), "22:40 UTC that night, not yesterday evening's 23:40"
    assert clock.read_setting("23:40", now=a_day_later, zone=BERLIN, near=None) == at(24 * 60)


def test_a_dated_or_relative_time_is_read_as_typed() -> None:
    a_day_later = at(26 * 60)
    dated = clock.read_setting("2026-11-29 23:40", now=a_day_later, zone=BERLIN, near=at(3))
    assert dated == at(-24 * 60)
    relative = clock.read_setting("yesterday 22:40 UTC", now=a_day_later, zone=BERLIN, near=at(3))
    assert relative == at(24 * 60), "yesterday as seen from now, not from the incident"


def test_an_unreadable_or_future_setting_says_why() -> None:
    with pytest.raises(TimeNotUnderstood, match="could not read"):
        clock.read_setting("around lunch", now=T0, zone=UTC, near=None)
    with pytest.raises(TimeNotUnderstood, match="future"):
        clock.read_setting("2026-12-24 10:00", now=T0, zone=UTC, near=at(-60))


def test_the_milestones_read_as_one_line_with_their_sources() -> None:
    known = clock.effective([person(Name.STARTED, 0)], clock.derive(the_night()))
    assert clock.in_words(known) == (
        "Impact started 2026-11-30 22:40 (set by a person) · Detected 22:43 (an alert bot's "
        "message) · Acknowledged 22:47 (PagerDuty) · Incident declared unknown · Mitigated "
        "23:27 (a marked timeline line) · Resolved 2026-12-01 00:06 (PagerDuty) (UTC)"
    )


def test_a_published_app_post_with_its_bot_users_id_is_an_alert() -> None:
    event = published.read_json("slack_event_callback_message.bot_profile.bolt_test.json")["event"]
    assert event["user"] and event["bot_id"], "the shape: a bot user's id beside the bot id"
    moment = datetime.fromtimestamp(float(event["ts"]), UTC)
    line = TimelineEntry(moment, "slack", f"C1:{event['ts']}", text_of(event), actor_of(event))
    assert clock.is_alert(line)
    detected = clock.derive([line]).get(Name.DETECTED)
    assert detected is not None and detected.origin is Origin.ALERT
