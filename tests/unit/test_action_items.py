"""Action items: owner, deadline and priority parsed as people write them; vague ones rejected."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.action_items import ParsedActionItem, find_vagueness, parse_action_item
from bot.errors import BadArguments

# Wednesday 27 November 2024, 23:30 UTC: already Thursday morning in Tokyo.
NOW = datetime(2024, 11, 27, 23, 30, tzinfo=UTC)


def parse(text: str, tz: str = "UTC") -> ParsedActionItem:
    return parse_action_item(text, now=NOW, tz=tz)


def test_a_natural_action_item_yields_owner_deadline_priority_and_the_bare_action() -> None:
    item = parse("@bob add connection-pool metrics to the api dashboard by next Friday, high")

    assert item.action == "add connection-pool metrics to the api dashboard"
    assert item.owner == "@bob"
    assert item.deadline == date(2024, 12, 6)
    assert item.priority == "High"
    assert item.missing == ()


@pytest.mark.parametrize("mention", ["<@U0BOB>", "<@U0BOB|bob>"])
def test_a_slack_mention_owner_is_kept_as_the_user_id(mention: str) -> None:
    item = parse(f"{mention} add connection-pool metrics to the api dashboard, tomorrow, P2")

    assert item.owner == "U0BOB"
    assert item.action == "add connection-pool metrics to the api dashboard"


def test_an_email_address_is_not_an_owner() -> None:
    assert parse("send the report to oncall@example.com").owner is None


def test_a_table_row_is_read_field_by_field() -> None:
    item = parse("Add index on orders.customer_id | @erin | in 2 weeks | Medium")

    assert item.action == "Add index on orders.customer_id"
    assert (item.owner, item.deadline, item.priority) == ("@erin", date(2024, 12, 11), "Medium")


def test_the_bar_inside_a_named_slack_mention_does_not_split_a_table_row() -> None:
    item = parse("Rotate the Stripe key | <@U0CAROL|carol> | 2024-12-03 | low")

    assert (item.owner, item.deadline, item.priority) == ("U0CAROL", date(2024, 12, 3), "Low")


def test_a_table_row_with_empty_fields_reports_them_missing() -> None:
    item = parse("Rotate the Stripe key | bob |  | ")

    assert item.owner == "bob"
    assert item.missing == ("deadline", "priority")


def test_an_action_with_nothing_but_the_action_misses_all_three() -> None:
    item = parse("Rotate the Stripe API key")

    assert item.action == "Rotate the Stripe API key"
    assert item.missing == ("owner", "deadline", "priority")


def test_in_2_weeks_resolves_in_the_authors_timezone() -> None:
    assert parse("rotate the key in 2 weeks", tz="Asia/Tokyo").deadline == date(2024, 12, 12)
    assert parse("rotate the key in 2 weeks", tz="America/Los_Angeles").deadline == date(
        2024, 12, 11
    )


def test_tomorrow_is_the_day_after_the_authors_own_today() -> None:
    assert parse("rotate the key, tomorrow", tz="Asia/Tokyo").deadline == date(2024, 11, 29)
    assert parse("rotate the key, tomorrow", tz="Europe/London").deadline == date(2024, 11, 28)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("by Friday", date(2024, 11, 29)),
        ("by this Friday", date(2024, 11, 29)),
        ("by next Friday", date(2024, 12, 6)),
        ("by next week", date(2024, 12, 2)),
        ("by end of week", date(2024, 11, 29)),
        ("by end of month", date(2024, 11, 30)),
        ("by end of quarter", date(2024, 12, 31)),
        ("within 3 days", date(2024, 11, 30)),
        ("in a month", date(2024, 12, 27)),
        ("by 2025-01-15", date(2025, 1, 15)),
        ("by Dec 3", date(2024, 12, 3)),
        ("by 3rd of January", date(2025, 1, 3)),
    ],
)
def test_relative_and_calendar_deadlines_resolve_against_now(written: str, expected: date) -> None:
    assert parse(f"rotate the Stripe API key {written}").deadline == expected


def test_a_month_and_day_already_past_this_year_means_next_year() -> None:
    assert parse("rotate the key by Mar 3").deadline == date(2025, 3, 3)


def test_a_naive_now_is_taken_to_be_utc() -> None:
    item = parse_action_item("rotate the key, tomorrow", now=NOW.replace(tzinfo=None), tz="UTC")

    assert item.deadline == date(2024, 11, 28)


def test_an_unknown_timezone_is_a_bad_argument() -> None:
    with pytest.raises(BadArguments, match="Mars/Olympus_Mons"):
        parse("rotate the key, tomorrow", tz="Mars/Olympus_Mons")


def test_a_date_inside_the_action_itself_is_not_the_deadline() -> None:
    item = parse("backfill the invoices for 2024-03-14 from the audit log")

    assert item.deadline is None
    assert "2024-03-14" in item.action


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("add the alert, high", "High"),
        ("add the alert, P1", "High"),
        ("add the alert, high prio", "High"),
        ("add the alert (medium)", "Medium"),
        ("add the alert, P2", "Medium"),
        ("add the alert priority: low", "Low"),
        ("add the alert, P3", "Low"),
    ],
)
def test_priority_is_read_in_its_usual_spellings(written: str, expected: str) -> None:
    assert parse(written).priority == expected


def test_high_inside_the_action_is_not_a_priority() -> None:
    item = parse("add an alert on high latency to the checkout-api dashboard")

    assert item.priority is None
    assert "priority" in item.missing


@pytest.mark.parametrize(
    "action",
    [
        "Improve monitoring",
        "Be more careful when deploying",
        "Better testing",
        "Look into the database slowness",
        "Look into adding a p99 alert for checkout-api",
        "Add more alerts",
        "Update the runbook",
    ],
)
def test_a_vague_action_is_not_accepted(action: str) -> None:
    assert [finding.kind for finding in find_vagueness(action)] == ["vague-action"]


@pytest.mark.parametrize(
    "action",
    [
        "@bob add connection-pool metrics to the api dashboard by next Friday, high",
        "Update the database failover runbook with the manual promotion steps",
        "Set the gateway upstream timeout to 30s | @carol | tomorrow | P1",
        "Improve monitoring by adding a disk-usage alert at 85% on the kafka brokers",
    ],
)
def test_a_concrete_action_naming_an_artefact_and_a_change_is_accepted(action: str) -> None:
    assert find_vagueness(action) == []


def test_the_vagueness_finding_says_what_is_missing() -> None:
    [finding] = find_vagueness("Improve monitoring")

    assert "a concrete artefact" in finding.why
    assert "a change someone else could verify" in finding.why


def test_an_action_that_names_the_change_but_not_which_one_misses_only_the_artefact() -> None:
    [finding] = find_vagueness("Update the runbook")

    assert "a concrete artefact" in finding.why
    assert "verify" not in finding.why


def test_owner_deadline_and_priority_do_not_make_a_vague_action_concrete() -> None:
    text = "@bob improve monitoring by 2024-12-03, P1"
    [finding] = find_vagueness(text)

    assert finding.phrase == "improve monitoring"
    assert text[finding.span[0] : finding.span[1]] == "improve monitoring"


def test_asking_people_to_be_careful_suggests_a_guard_instead() -> None:
    [finding] = find_vagueness("Be more careful with the payments-api migrations")

    assert "careful" in finding.why
    assert "guard" in finding.suggestion


# Issue 15: concreteness is judged by shape (a verb of change + a specific object, quantity or
# place), not by a closed list of artefacts; open-ended verbs and unmeasured watching are vague.


@pytest.mark.parametrize(
    "action",
    [
        "Delete the dead feature-flag code from the router",
        "Snapshot the orders database hourly",
        "Retry failed webhooks three times with backoff",
        "Throttle the importer to 50 requests per second",
        "Rate-limit password resets to five per hour per account",
        "Add a customer-impact alert for failed checkout callbacks",
    ],
)
def test_concrete_work_outside_the_artefact_list_is_accepted(action: str) -> None:
    assert find_vagueness(action) == []


@pytest.mark.parametrize(
    "action",
    [
        "Make the pipeline more robust",
        "Refactor the billing service",
        "Fix the flaky tests",
        "Add monitoring for db-1",
        "Add some alerts for db-1",
        "Add observability to the payments API",
    ],
)
def test_open_ended_change_or_watching_without_a_measure_is_vague(action: str) -> None:
    assert find_vagueness(action)


@pytest.mark.parametrize(
    "action", ["Dave should not touch prod", "Engineer A will be more careful next time."]
)
def test_a_fix_aimed_at_a_person_is_vague_and_asks_for_a_guard(action: str) -> None:
    [finding] = find_vagueness(action)

    assert "guard" in finding.suggestion


def test_a_signal_named_before_the_watching_noun_makes_it_concrete() -> None:
    assert find_vagueness("Route the replication-lag alert to the #db-oncall channel") == []
    assert find_vagueness("add connection-pool metrics to the api dashboard") == []
