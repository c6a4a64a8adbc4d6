"""Alertmanager's v4 notifications, as published receivers received them, read into alerts
and timeline lines."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alertmanager.timeline import entries_of
from bot.alertmanager.webhook import parse_notification
from bot.core.timeline import ALERT_FIRING, ALERT_RESOLVED
from bot.errors import BadArguments
from tests import published

FIRING = "alertmanager_webhook_v4.firing.zulip.json"
RESOLVED = "alertmanager_webhook_v4.resolved.pythonwebhook.json"


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = published.read_json(name)
    return document


def test_a_firing_group_of_two_alerts_reads_as_two_alerts_still_firing() -> None:
    notification = parse_notification(_document(FIRING))

    assert (notification.status, notification.receiver) == ("firing", "ops-zulip")
    assert notification.group_key == "{}/{}:{}"
    first, second = notification.alerts
    assert (first.fingerprint, second.fingerprint) == ("a1bc48475b20e73d", "c2ea85182f28cbd9")
    assert first.status == "firing"
    # Go's nanoseconds, kept to Python's microseconds; Go's zero time is "no end yet".
    assert first.starts_at == datetime(2020, 2, 6, 0, 17, 58, 432911, tzinfo=UTC)
    assert first.ends_at is None
    assert first.alertname == "High CPU Temperature"
    assert first.generator_url is not None and first.generator_url.startswith("http://cobalt")
    assert first.key == f"am:a1bc48475b20e73d:{int(first.starts_at.timestamp())}"


def test_a_resolved_notification_keys_its_alert_apart_from_the_same_alert_firing() -> None:
    notification = parse_notification(_document(RESOLVED))

    (alert,) = notification.alerts
    assert notification.truncated_alerts == 0
    assert alert.status == "resolved"
    assert alert.ends_at == datetime(2022, 7, 29, 11, 17, 27, 300000, tzinfo=UTC)
    starts = int(datetime(2022, 7, 29, 11, 13, 27, tzinfo=UTC).timestamp())
    assert alert.key == f"am:fbab788ec4c1018b:{starts}:resolved"


def test_the_service_an_alert_names_is_its_service_label_else_app_else_job() -> None:
    resolved = parse_notification(_document(RESOLVED)).alerts[0]
    assert resolved.service == "eric-pm-kube-state-metrics"  # no service/app label: job

    document = _document(RESOLVED)
    document["alerts"][0]["labels"]["app"] = "replicas"
    assert parse_notification(document).alerts[0].service == "replicas"
    document["alerts"][0]["labels"]["service"] = "checkout"
    assert parse_notification(document).alerts[0].service == "checkout"

    firing = parse_notification(_document(FIRING)).alerts[0]
    assert firing.service is None  # host and severity only


def test_a_firing_alert_is_one_line_at_its_start_named_by_its_labels() -> None:
    alert = parse_notification(_document(FIRING)).alerts[0]

    (line,) = entries_of(alert)

    assert (line.source, line.kind, line.occurred_at) == (
        "monitoring",
        ALERT_FIRING,
        alert.starts_at,
    )
    assert line.actor == 'High CPU Temperature {host="andromeda", severity="critical"}'
    assert line.text == "Alert firing: High CPU core temperature — CPU core temperature is 34.75C"
    assert line.source_key == alert.key


def test_a_resolved_alert_is_its_firing_and_its_resolution_each_at_its_own_minute() -> None:
    alert = parse_notification(_document(RESOLVED)).alerts[0]

    fired, resolved = entries_of(alert)

    assert (fired.kind, fired.occurred_at.minute) == (ALERT_FIRING, 13)
    assert (resolved.kind, resolved.occurred_at.minute) == (ALERT_RESOLVED, 17)
    assert resolved.source_key == fired.source_key + ":resolved"
    assert resolved.text.startswith("Alert resolved: Kubernetes Deployment Replicas Mismatch")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(version="3"), "v4"),
        (lambda d: d.pop("alerts"), "alerts"),
        (lambda d: d.update(status="pending"), "status"),
        (lambda d: d.pop("groupKey"), "groupKey"),
        (lambda d: d["alerts"][0].update(startsAt="yesterday"), "startsAt"),
        (lambda d: d["alerts"][0].pop("startsAt"), "startsAt"),
        (lambda d: d["alerts"][0].update(labels={"alertname": 5}), "labels"),
        (lambda d: d["alerts"][0].update(labels={}), "labels"),
        (lambda d: d["alerts"].append("nope"), "alerts[2]"),
        (lambda d: d["alerts"][0].update(endsAt="9999-12-31T23:59:59-01:00"), "endsAt"),
    ],
)
def test_a_body_that_is_not_a_v4_notification_is_refused_saying_what_is_wrong(
    change: Any, words: str
) -> None:
    document = copy.deepcopy(_document(FIRING))
    change(document)

    with pytest.raises(BadArguments, match=words.replace("[", r"\[")):
        parse_notification(document)


def test_an_alert_without_a_fingerprint_gets_the_one_alertmanager_gives_its_labels() -> None:
    document = _document(RESOLVED)
    sent = document["alerts"][0].pop("fingerprint")

    (alert,) = parse_notification(document).alerts

    assert alert.fingerprint == sent == "fbab788ec4c1018b"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)
_FIELDS = st.sampled_from(
    ["status", "labels", "annotations", "startsAt", "endsAt", "fingerprint", "generatorURL"]
)
_TIMES = st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat())


@settings(max_examples=300, deadline=None)
@given(
    field=_FIELDS,
    value=_JSON | _TIMES,
    top=st.sampled_from(["status", "groupKey", "receiver", "truncatedAlerts"]),
    top_value=_JSON,
)
def test_no_shape_of_a_notification_raises_anything_but_bad_arguments(
    field: str, value: Any, top: str, top_value: Any
) -> None:
    """Whatever a sender puts in a field, the route can answer 400 with words, never 500."""
    document = _document(FIRING)
    document["alerts"][0][field] = value
    document[top] = top_value
    try:
        notification = parse_notification(document)
    except BadArguments as refusal:
        assert str(refusal)
    else:
        assert all(alert.key.startswith("am:") for alert in notification.alerts)
