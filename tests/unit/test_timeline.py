"""The timeline: merging sources in time order, measuring the incident, naming gaps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.timeline import (
    Gap,
    GapKind,
    Source,
    TimelineEntry,
    format_utc_minute,
    merge,
    says_mitigated,
)
from bot.pagerduty.log_entries import LogEntry
from bot.pagerduty.timeline import event_kind, from_log_entry, from_webhook, log_entry_kind
from bot.pagerduty.webhook import parse_webhook
from tests import published

T0 = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def slack(minutes: float, text: str, *, ts: str | None = None, key: bool = False) -> TimelineEntry:
    stamp = ts or f"{at(minutes).timestamp():.6f}"
    return TimelineEntry(at(minutes), "slack", f"C123:{stamp}", text, "U_JANE", is_key=key)


def pager(
    minutes: float,
    kind: str,
    key: str,
    *,
    via: str = "webhook",
    incident: str | None = "PT4KHLK",
    actor: str | None = "Ben",
) -> TimelineEntry:
    return TimelineEntry(
        at(minutes), "pagerduty", key, f"{kind} ({via})", actor, False, kind, incident, via
    )


def manual(minutes: float, text: str, *, kind: str | None = None) -> TimelineEntry:
    return TimelineEntry(at(minutes), "manual", f"m{minutes}", text, "Jane", kind=kind)


# --- entries ------------------------------------------------------------------------


def test_an_entry_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        TimelineEntry(datetime(2026, 11, 24, 14, 0), "slack", "C1:1.0", "hi")


def test_an_entry_from_another_timezone_is_kept_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    entry = TimelineEntry(datetime(2026, 11, 24, 23, 0, tzinfo=tokyo), "manual", "m1", "hi")
    assert entry.occurred_at == at(0) and entry.occurred_at.tzinfo is UTC


def test_an_unknown_source_is_refused() -> None:
    source: Source = "email"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="source"):
        TimelineEntry(at(0), source, "x", "hi")


# --- merging ------------------------------------------------------------------------


def test_streams_interleave_strictly_by_time() -> None:
    messages = [slack(1, "errors on checkout"), slack(9, "rolled back")]
    pages = [pager(5, "trigger", "E1"), pager(7, "acknowledged", "E2")]
    notes = [manual(0, "deploy 4.2 went out")]
    merged = merge(messages, pages, notes)
    assert [entry.occurred_at for entry in merged] == [at(0), at(1), at(5), at(7), at(9)]


def test_entries_at_the_same_instant_keep_one_order_whatever_the_input_order() -> None:
    same = [
        slack(3, "a", ts="1.1"),
        pager(3, "note", "E9"),
        manual(3, "c"),
        slack(3, "b", ts="1.0"),
    ]
    forwards = merge(same)
    assert merge(list(reversed(same))) == forwards
    assert [entry.source_key for entry in forwards] == ["m3", "E9", "C123:1.0", "C123:1.1"]


def test_an_entry_seen_twice_appears_once_with_its_latest_copy() -> None:
    stored = slack(2, "db is donw", ts="1700000000.000100")
    edited = slack(2, "db is down", ts="1700000000.000100", key=True)
    merged = merge([stored], [edited, replace(stored)], [edited])
    assert merged == [edited]


def test_a_webhook_event_and_the_log_entry_for_the_same_happening_are_one_line() -> None:
    webhook = pager(5.5, "acknowledged", "01WEBHOOK")
    log = pager(5, "acknowledged", "RLOGENTRY", via="log")
    assert merge([log], [webhook]) == merge([webhook], [log]) == [webhook]


def test_the_kept_line_still_sits_in_time_order() -> None:
    log = pager(5, "acknowledged", "RLOG", via="log")
    between = slack(5.25, "on it")
    webhook = pager(5.5, "acknowledged", "01WEBHOOK")
    assert merge([log, webhook, between]) == [between, webhook]


def test_the_collapsed_line_keeps_a_key_mark_and_an_actor_from_either_twin() -> None:
    webhook = pager(5, "trigger", "01WEBHOOK", actor=None)
    log = TimelineEntry(
        at(5), "pagerduty", "RLOG", "Triggered", "Datadog", True, "trigger", "PT4KHLK", "log"
    )
    (line,) = merge([log, webhook])
    assert line.is_key and line.actor == "Datadog"


@pytest.mark.parametrize(
    "log",
    [
        pager(6.5, "acknowledged", "RLOG", via="log"),
        pager(5.5, "resolved", "RLOG", via="log"),
        pager(5.5, "acknowledged", "RLOG", via="log", incident="POTHER1"),
        pager(5.5, "acknowledged", "RLOG", via="webhook"),
    ],
    ids=["more than a minute apart", "another kind", "another incident", "same feed twice"],
)
def test_pager_entries_that_are_not_the_same_happening_both_stay(log: TimelineEntry) -> None:
    assert len(merge([pager(5, "acknowledged", "01WEBHOOK")], [log])) == 2


def test_two_notes_reported_by_both_feeds_become_two_lines_not_one() -> None:
    webhooks = [pager(5, "note", "01W1"), pager(5.2, "note", "01W2")]
    logs = [pager(5, "note", "RL1", via="log"), pager(5.2, "note", "RL2", via="log")]
    merged = merge(webhooks, logs)
    assert [entry.source_key for entry in merged] == ["01W1", "01W2"]


def test_a_stored_entry_without_its_incident_still_matches_its_twin() -> None:
    stored = pager(5, "trigger", "01WEBHOOK", incident=None)
    assert len(merge([stored], [pager(5, "trigger", "RLOG", via="log")])) == 1


def test_slack_messages_are_never_collapsed_into_pager_events() -> None:
    message = TimelineEntry(at(5), "slack", "C1:1.0", "acked", "U1", kind="acknowledged")
    assert len(merge([message], [pager(5, "acknowledged", "E1")])) == 2


# --- from PagerDuty -----------------------------------------------------------------


def test_the_recorded_trigger_and_its_log_entry_merge_into_one_timeline_line() -> None:
    body = published.read_bytes("pagerduty_v3_incident.triggered.aldaviva.body.json")
    webhook = from_webhook(parse_webhook(body))
    log = from_log_entry(
        LogEntry(
            id="RTRIGGER",
            type="trigger_log_entry",
            created_at=datetime(2025, 4, 7, 3, 47, 13, tzinfo=UTC),
            agent_name="Ben",
            summary="Triggered through the website",
            incident_id="Q2CKYRLH85UNN4",
        )
    )
    assert (webhook.kind, webhook.source, webhook.actor) == ("trigger", "pagerduty", "Ben")
    assert webhook.source_key == "01FKZSRAPTMF55RE69G8BQHGC6"
    assert merge([webhook], [log]) == [webhook]
    assert webhook.text == "Incident triggered: Test"


def test_a_system_action_is_attributed_to_pagerduty() -> None:
    entry = LogEntry("R1", "escalate_log_entry", at(3), None, "Escalated", "PT4KHLK")
    assert from_log_entry(entry).actor == "PagerDuty"


@pytest.mark.parametrize(
    ("event_type", "log_type", "kind"),
    [
        ("incident.triggered", "trigger_log_entry", "trigger"),
        ("incident.acknowledged", "acknowledge_log_entry", "acknowledged"),
        ("incident.resolved", "resolve_log_entry", "resolved"),
        ("incident.annotated", "annotate_log_entry", "note"),
        ("incident.escalated", "escalate_log_entry", "escalated"),
        ("incident.reassigned", "assign_log_entry", "reassigned"),
        ("incident.reopened", "reopen_log_entry", "reopened"),
        ("incident.priority_updated", "priority_change_log_entry", "priority_updated"),
        ("incident.responder.added", "responder_request_log_entry", "responder_added"),
        ("incident.status_update_published", "status_update_log_entry", "status_update"),
    ],
)
def test_both_feeds_name_the_same_happening_with_the_same_kind(
    event_type: str, log_type: str, kind: str
) -> None:
    assert event_kind(event_type) == log_entry_kind(log_type) == kind


def test_unknown_pager_types_keep_their_own_words_within_the_stored_width() -> None:
    assert event_kind("incident.custom_field_values.updated") == "custom_field_values_updated"
    assert log_entry_kind("snooze_log_entry") == "snooze"
    assert len(event_kind("incident." + "very_long_" * 10)) == 32


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mitigated", True),
        ("Impact mitigated at 14:30 by failing over", True),
        ("mitigation is in place", True),
        ("not mitigated", False),
        ("isn't mitigated yet", False),
        ("we are not yet mitigated", False),
        ("is it mitigated?", False),
        ("once mitigated we will write it up", False),
        ("working on mitigation", False),
    ],
)
def test_what_counts_as_saying_mitigated(text: str, says: bool) -> None:
    assert says_mitigated(text) is says


# --- gaps and times -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "words"),
    [
        (Gap.pagerduty_not_linked(), "No PagerDuty incident is linked"),
        (Gap.pagerduty_not_configured(), "PAGERDUTY_API_TOKEN"),
        (Gap.history_unreadable("#inc-checkout"), "history of #inc-checkout could not be read"),
        (Gap.history_unreadable(), "the channel could not be read"),
        (Gap.messages_deleted(1), "1 message was deleted"),
        (Gap.messages_deleted(3), "3 messages were deleted"),
        (
            Gap.backfill_cut_short("PagerDuty", "HTTP 503"),
            "Reading PagerDuty stopped early (HTTP 503)",
        ),
    ],
)
def test_each_gap_explains_itself_for_the_report(gap: Gap, words: str) -> None:
    assert words in gap.describe()


def test_every_gap_kind_has_a_description() -> None:
    for kind in GapKind:
        assert Gap(kind).describe()


def test_times_are_shown_in_utc_to_the_minute() -> None:
    paris = timezone(timedelta(hours=1))
    assert (
        format_utc_minute(datetime(2026, 11, 24, 15, 5, 59, tzinfo=paris)) == "2026-11-24 14:05 UTC"
    )


def test_a_time_without_a_timezone_is_not_guessed() -> None:
    with pytest.raises(ValueError):
        format_utc_minute(datetime(2026, 11, 24, 14, 5))
