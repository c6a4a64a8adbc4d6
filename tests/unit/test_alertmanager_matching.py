"""Which post-mortem an alert belongs to: the window its start must fall in, and the
service rule that keeps one workspace's alerts from another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.alertmanager.matching import same_service, window, within
from bot.core.milestones import Milestone, Milestones, Name, Origin

OPENED = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
NOW = OPENED + timedelta(minutes=30)


def _known(**times: datetime) -> Milestones:
    return Milestones(
        tuple(
            Milestone(Name(name), at, Origin.PERSON, confirmed=True) for name, at in times.items()
        )
    )


def test_before_any_milestone_the_window_runs_from_two_hours_before_opening_until_now() -> None:
    span = window(_known(), opened_at=OPENED, now=NOW)

    assert within(OPENED - timedelta(hours=2), span)
    assert not within(OPENED - timedelta(hours=2, seconds=1), span)
    assert within(NOW, span) and not within(NOW + timedelta(minutes=6), span)


def test_with_milestones_the_window_is_the_incident_give_or_take_an_hour() -> None:
    started, resolved = OPENED - timedelta(hours=6), OPENED - timedelta(hours=4)

    span = window(_known(started=started, resolved=resolved), opened_at=OPENED, now=NOW)

    assert within(started - timedelta(minutes=59), span)
    assert not within(started - timedelta(minutes=61), span)
    assert within(resolved + timedelta(minutes=59), span)
    assert not within(resolved + timedelta(minutes=61), span)
    assert not within(OPENED, span), "an alert after the incident is another incident's"


def test_an_unresolved_incident_takes_alerts_until_now() -> None:
    detected = OPENED - timedelta(hours=5)

    span = window(_known(detected=detected), opened_at=OPENED, now=NOW)

    assert within(detected - timedelta(minutes=30), span) and within(NOW, span)


def test_a_post_mortem_naming_a_service_takes_only_that_services_alerts() -> None:
    assert same_service("checkout", "checkout", single_workspace=False)
    assert not same_service("checkout", "payments", single_workspace=True)
    assert not same_service("checkout", None, single_workspace=True)
    assert not same_service("checkout", "Checkout", single_workspace=True), "labels are exact"


def test_a_post_mortem_naming_none_takes_any_alert_only_when_the_bot_serves_one_workspace() -> None:
    assert same_service(None, "payments", single_workspace=True)
    assert same_service(None, None, single_workspace=True)
    assert not same_service(None, "payments", single_workspace=False)


def test_a_post_mortem_left_unresolved_stops_taking_alerts_three_days_in() -> None:
    later = OPENED + timedelta(days=10)

    unnamed = window(_known(), opened_at=OPENED, now=later)
    started = window(_known(started=OPENED), opened_at=OPENED, now=later)

    assert within(OPENED + timedelta(days=2), unnamed)
    assert not within(OPENED + timedelta(days=3), unnamed), "3 days from 2 h before opening"
    assert within(OPENED + timedelta(days=3), started)
    assert not within(OPENED + timedelta(days=3, minutes=1), started)
    assert not within(later, unnamed) and not within(later, started)
