"""The demo's Alertmanager notifications have the shape a published one has, and the bot
takes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.alertmanager.webhook import parse_notification
from bot.sandbox import alertmanager_notify
from tests import published

PUBLISHED = "alertmanager_webhook_v4.resolved.pythonwebhook.json"


def _published() -> dict[str, Any]:
    document: dict[str, Any] = published.read_json(PUBLISHED)
    return document


def test_a_resolved_notification_has_every_field_a_published_one_has_and_its_fingerprint() -> None:
    real = _published()
    alert = real["alerts"][0]
    starts = datetime(2022, 7, 29, 11, 13, 27, tzinfo=UTC)
    ends = datetime(2022, 7, 29, 11, 17, 27, tzinfo=UTC)

    made = alertmanager_notify.notification(
        alert["labels"], alert["annotations"], starts_at=starts, ends_at=ends
    )

    assert set(made) == set(real)
    made_alert: dict[str, Any] = made["alerts"][0]
    assert set(made_alert) == set(alert)
    assert made_alert["fingerprint"] == alert["fingerprint"]
    assert made["groupKey"] == real["groupKey"]
    (parsed,) = parse_notification(made).alerts
    assert (parsed.status, parsed.starts_at, parsed.ends_at) == ("resolved", starts, ends)


def test_a_firing_one_has_no_end_yet() -> None:
    made = alertmanager_notify.notification(
        {"alertname": "CheckoutErrorRate"}, {}, starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC)
    )

    (parsed,) = parse_notification(made).alerts
    assert parsed.status == "firing" and parsed.ends_at is None
