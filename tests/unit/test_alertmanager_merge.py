"""One alert's transition reported by both Prometheus' ALERTS series and Alertmanager is one
line of the report, not two."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.alertmanager.timeline import entries_of
from bot.alertmanager.webhook import Alert, parse_notification
from bot.core.timeline import ALERT_FIRING, ALERT_RESOLVED, TimelineEntry, alert_actor, merge
from tests import published


def _alerts() -> tuple[Alert, ...]:
    return parse_notification(
        published.read_json("alertmanager_webhook_v4.firing.zulip.json")
    ).alerts


def _from_alerts_series(
    alert: Alert, *, seconds_later: float, kind: str = ALERT_FIRING
) -> TimelineEntry:
    """What the Prometheus feed writes for the same alert: ALERTS' labels carry `alertstate`,
    and its time is the first sample's, a scrape or two after Alertmanager's `startsAt`."""
    labels = (*alert.labels, ("alertstate", "firing"))
    return TimelineEntry(
        occurred_at=alert.starts_at + timedelta(seconds=seconds_later),
        source="monitoring",
        source_key=f"prom:{alert.alertname}:abc123:{int(alert.starts_at.timestamp())}",
        text=f"{alert.alertname} started firing",
        actor=alert_actor(labels),
        kind=kind,
    )


def test_the_same_firing_from_alerts_and_alertmanager_within_a_minute_is_one_line() -> None:
    alert = _alerts()[0]
    (from_alertmanager,) = entries_of(alert)

    merged = merge([_from_alerts_series(alert, seconds_later=30)], [from_alertmanager])

    assert merged == [from_alertmanager]  # Alertmanager's line, which carries the summary


def test_a_minute_and_more_apart_they_are_two_firings() -> None:
    alert = _alerts()[0]
    (from_alertmanager,) = entries_of(alert)

    merged = merge([_from_alerts_series(alert, seconds_later=61)], [from_alertmanager])

    assert len(merged) == 2


def test_a_firing_and_a_resolution_of_one_alert_are_not_merged() -> None:
    alert = _alerts()[0]
    (from_alertmanager,) = entries_of(alert)
    resolution = _from_alerts_series(alert, seconds_later=20, kind=ALERT_RESOLVED)

    assert len(merge([resolution], [from_alertmanager])) == 2


def test_another_alert_at_the_same_minute_stays_its_own_line() -> None:
    alert = _alerts()[0]
    (from_alertmanager,) = entries_of(alert)
    other = replace(alert, labels=(*alert.labels[:1], ("host", "cassiopeia"), *alert.labels[2:]))

    merged = merge([_from_alerts_series(other, seconds_later=5)], [from_alertmanager])

    assert len(merged) == 2


def test_two_alertmanager_alerts_with_the_same_labels_are_both_kept() -> None:
    """The published group carries two fingerprints with the same labels: one feed never
    merges with itself, whatever its lines look like."""
    first, second = (entries_of(alert)[0] for alert in _alerts())

    assert len(merge([first, second])) == 2


def test_in_an_alert_storm_each_alert_meets_its_own_twin_and_no_other() -> None:
    """300 pods' alerts in one minute from both feeds: 300 lines, each Alertmanager's."""
    alert = _alerts()[0]
    pods = [
        replace(alert, labels=(*alert.labels, ("pod", f"p{n:03}")), fingerprint=f"{n:016x}")
        for n in range(300)
    ]
    from_alertmanager = [entries_of(pod)[0] for pod in pods]
    from_alerts = [
        replace(_from_alerts_series(pod, seconds_later=n % 50), source_key=f"prom:pod{n}")
        for n, pod in enumerate(pods)
    ]

    merged = merge(from_alerts, from_alertmanager)

    assert sorted(e.source_key for e in merged) == sorted(e.source_key for e in from_alertmanager)
