"""PagerDuty v3 webhooks: signatures, events as timeline lines, incident references."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import BadArguments
from bot.pagerduty.webhook import parse_incident_ref, parse_webhook, verify_signature
from tests import published

BODIES = (
    "pagerduty_v3_incident.triggered.aldaviva.body.json",
    "pagerduty_v3_incident.acknowledged.aldaviva.body.json",
    "pagerduty_v3_incident.annotated.aldaviva.body.json",
    "pagerduty_v3_incident.resolved.aldaviva.body.json",
    "pagerduty_v3_incident.priority_updated.go-pagerduty.body.json",
    "pagerduty_v3_pagey.ping.aldaviva.body.json",
)
OLD_SECRET = "old-secret"
NEW_SECRET = "new-secret"
BEN = {"id": "PVE0ZR9", "summary": "Ben", "type": "user_reference"}


fixture_bytes = published.read_bytes


def signature_vectors() -> list[dict[str, Any]]:
    return published.read_json("pagerduty_v3_signature_vectors.json")


def sign(secret: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_body(event_type: str, data: dict[str, Any], agent: object = BEN) -> bytes:
    event = {
        "id": "01TESTEVENT",
        "event_type": event_type,
        "resource_type": event_type.split(".")[0],
        "occurred_at": "2026-11-24T14:05:09.120Z",
        "agent": agent,
        "client": None,
        "data": data,
    }
    return json.dumps({"event": event}).encode()


def incident(**fields: Any) -> dict[str, Any]:
    return {
        "id": "PGR0VU2",
        "type": "incident",
        "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
        "title": "Checkout is failing",
        **fields,
    }


INCIDENT_REF = {
    "id": "PGR0VU2",
    "type": "incident_reference",
    "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
    "summary": "Checkout is failing",
}
MAEVE = {"id": "PVMGSML", "summary": "Maeve", "type": "user_reference"}


# --- signatures -----------------------------------------------------------------------


@pytest.mark.parametrize("vector", signature_vectors(), ids=lambda vector: vector["source"])
def test_every_published_signature_vector_verifies_as_expected(vector: dict[str, Any]) -> None:
    body = fixture_bytes(vector["body_file"])
    valid = verify_signature(body, vector["x_pagerduty_signature"], [vector["secret"]])
    assert valid is vector["expected_valid"]


def test_a_webhook_signed_with_the_old_and_the_new_secret_during_rotation_is_accepted() -> None:
    body = fixture_bytes(BODIES[0])
    header = f"{sign(OLD_SECRET, body)},{sign(NEW_SECRET, body)}"
    assert verify_signature(body, header, [NEW_SECRET])
    assert verify_signature(body, header, [OLD_SECRET])


def test_while_both_secrets_are_configured_a_delivery_signed_with_either_is_accepted() -> None:
    body = fixture_bytes(BODIES[1])
    assert verify_signature(body, sign(OLD_SECRET, body), [NEW_SECRET, OLD_SECRET])
    assert verify_signature(body, sign(NEW_SECRET, body), [NEW_SECRET, OLD_SECRET])


def test_spaces_and_other_signature_versions_in_the_header_are_tolerated() -> None:
    body = fixture_bytes(BODIES[2])
    header = f"v0=deadbeef, {sign(NEW_SECRET, body).upper().replace('V1=', 'v1=')} "
    assert verify_signature(body, header, [NEW_SECRET])


def test_a_body_changed_after_signing_is_refused() -> None:
    body = fixture_bytes(BODIES[3])
    assert not verify_signature(body.replace(b"Ben", b"Eve"), sign(NEW_SECRET, body), [NEW_SECRET])


def test_a_signature_made_with_a_secret_we_do_not_hold_is_refused() -> None:
    body = fixture_bytes(BODIES[3])
    assert not verify_signature(body, sign("someone-else", body), [NEW_SECRET, OLD_SECRET])


@pytest.mark.parametrize(
    "header",
    [None, "", "v1=", "v1", "sha256=abc", "v2=" + "0" * 64, ",,,", "v1=ünïcödé", "v1=zz"],
)
def test_a_missing_or_malformed_signature_header_is_refused(header: str | None) -> None:
    assert not verify_signature(fixture_bytes(BODIES[0]), header, [NEW_SECRET])


def test_without_any_secret_nothing_verifies() -> None:
    body = fixture_bytes(BODIES[0])
    assert not verify_signature(body, sign("", body), [])
    assert not verify_signature(body, sign("", body), [""])


# --- events from the recorded fixtures ------------------------------------------------


@pytest.mark.parametrize("name", BODIES)
def test_every_recorded_body_parses_with_an_aware_utc_time(name: str) -> None:
    event = parse_webhook(fixture_bytes(name))
    assert event.event_id and event.event_type and event.summary
    assert event.occurred_at.tzinfo is UTC
    assert "\n" not in event.summary


def test_a_triggered_incident_reads_as_its_title_with_incident_and_agent() -> None:
    event = parse_webhook(fixture_bytes("pagerduty_v3_incident.triggered.aldaviva.body.json"))
    assert event.event_id == "01FKZSRAPTMF55RE69G8BQHGC6"
    assert event.event_type == "incident.triggered"
    assert event.resource_type == "incident"
    assert event.occurred_at == datetime(2025, 4, 7, 3, 47, 13, 414000, tzinfo=UTC)
    assert event.incident_id == "Q2CKYRLH85UNN4"
    assert event.incident_url == "https://aldaviva.pagerduty.com/incidents/Q2CKYRLH85UNN4"
    assert event.incident_title == "Test"
    assert event.agent_name == "Ben"
    assert event.summary == "Incident triggered: Test"


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("pagerduty_v3_incident.acknowledged.aldaviva.body.json", "Acknowledged by Ben"),
        ("pagerduty_v3_incident.resolved.aldaviva.body.json", "Resolved by Ben"),
        ("pagerduty_v3_incident.priority_updated.go-pagerduty.body.json", "Priority changed to P1"),
    ],
)
def test_recorded_state_changes_read_as_one_line(name: str, summary: str) -> None:
    assert parse_webhook(fixture_bytes(name)).summary == summary


def test_a_note_names_its_incident_through_the_reference_inside_the_note() -> None:
    event = parse_webhook(fixture_bytes("pagerduty_v3_incident.annotated.aldaviva.body.json"))
    assert event.incident_id == "Q2CKYRLH85UNN4"
    assert event.incident_title == "Test"
    assert event.summary == "Note added: Resolution Note: I'm resolving it"


def test_the_test_ping_has_no_incident_and_no_named_agent() -> None:
    event = parse_webhook(fixture_bytes("pagerduty_v3_pagey.ping.aldaviva.body.json"))
    assert event.event_type == "pagey.ping"
    assert event.resource_type == "pagey"
    assert (event.incident_id, event.incident_url, event.agent_name) == (None, None, None)


# --- every v3 incident event type -----------------------------------------------------

EVENT_SUMMARIES = [
    ("incident.unacknowledged", incident(), None, "Unacknowledged"),
    ("incident.escalated", incident(assignees=[MAEVE]), None, "Escalated to Maeve"),
    ("incident.reassigned", incident(assignees=[MAEVE]), BEN, "Reassigned to Maeve by Ben"),
    (
        "incident.delegated",
        incident(escalation_policy={"summary": "Payments on-call"}),
        BEN,
        "Delegated to Payments on-call by Ben",
    ),
    ("incident.priority_updated", incident(priority=None), BEN, "Priority cleared"),
    (
        "incident.responder.added",
        {"incident": INCIDENT_REF, "user": MAEVE, "state": "pending"},
        BEN,
        "Responder requested: Maeve by Ben",
    ),
    (
        "incident.responder.replied",
        {"incident": INCIDENT_REF, "user": MAEVE, "state": "accepted"},
        MAEVE,
        "Maeve accepted the request to respond",
    ),
    ("incident.reopened", incident(), BEN, "Incident reopened by Ben"),
    ("incident.resolved", incident(), None, "Resolved"),
    (
        "incident.status_update_published",
        {"incident": INCIDENT_REF, "message": "A fix is being deployed", "type": "x"},
        BEN,
        "Status update: A fix is being deployed",
    ),
    (
        "incident.conference_bridge.updated",
        {"incident": INCIDENT_REF, "conference_url": "https://meet.example.com/war-room"},
        BEN,
        "Conference bridge set: https://meet.example.com/war-room",
    ),
    (
        "incident.service_updated",
        incident(service={"summary": "Payments API"}),
        BEN,
        "Moved to service Payments API by Ben",
    ),
    (
        "incident.workflow.started",
        {"incident": INCIDENT_REF, "incident_workflow": {"summary": "Major incident"}},
        None,
        "Workflow started: Major incident",
    ),
    (
        "incident.workflow.completed",
        {"incident": INCIDENT_REF, "summary": "Major incident run"},
        None,
        "Workflow completed: Major incident run",
    ),
    ("incident.title_updated", incident(), BEN, "Title updated by Ben"),
]


@pytest.mark.parametrize(
    ("event_type", "data", "agent", "summary"), EVENT_SUMMARIES, ids=lambda v: str(v)[:40]
)
def test_each_incident_event_type_reads_as_a_timeline_line(
    event_type: str, data: dict[str, Any], agent: object, summary: str
) -> None:
    event = parse_webhook(event_body(event_type, data, agent))
    assert event.summary == summary
    assert event.incident_id == "PGR0VU2"
    assert event.incident_url == "https://acme.pagerduty.com/incidents/PGR0VU2"
    assert event.incident_title == "Checkout is failing"


def test_an_action_without_an_agent_is_pagerduty_acting_itself() -> None:
    event = parse_webhook(event_body("incident.escalated", incident(), agent=None))
    assert event.agent_name is None
    assert event.summary == "Escalated"


def test_a_service_event_names_no_incident() -> None:
    service = {"id": "PF9KMXH", "type": "service", "summary": "Payments API"}
    event = parse_webhook(event_body("service.updated", service, agent=None))
    assert event.resource_type == "service"
    assert event.incident_id is None
    assert event.summary == "Service updated"


def test_a_long_multiline_note_becomes_one_line_cut_with_an_ellipsis() -> None:
    note = {"incident": INCIDENT_REF, "content": "line one\n\nline two " + "x" * 400}
    summary = parse_webhook(event_body("incident.annotated", note)).summary
    assert summary.startswith("Note added: line one line two x")
    assert summary.endswith("…") and len(summary) <= 300


def test_a_note_pagerduty_trimmed_says_so() -> None:
    note = {"incident": INCIDENT_REF, "content": "we rolled back", "trimmed": True}
    assert parse_webhook(event_body("incident.annotated", note)).summary.endswith("back…")


def test_an_occurrence_time_with_an_offset_is_converted_to_utc() -> None:
    body = event_body("incident.resolved", incident()).replace(
        b"2026-11-24T14:05:09.120Z", b"2026-11-24T15:05:09+01:00"
    )
    assert parse_webhook(body).occurred_at == datetime(2026, 11, 24, 14, 5, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"messages": []}',
        b'{"event": "incident.triggered"}',
        b'{"event": {"id": "E1", "occurred_at": "2026-11-24T14:05:09Z"}}',
        b'{"event": {"event_type": "incident.resolved", "occurred_at": "2026-11-24T14:05:09Z"}}',
        b'{"event": {"id": "E1", "event_type": "incident.resolved", "occurred_at": "yesterday"}}',
        b'{"event": {"id": "E1", "event_type": "incident.resolved"}}',
    ],
)
def test_a_body_that_is_not_a_v3_event_is_bad_arguments(body: bytes) -> None:
    with pytest.raises(BadArguments):
        parse_webhook(body)


# --- naming an incident ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "PT4KHLK",
        "  PT4KHLK ",
        "https://acme.pagerduty.com/incidents/PT4KHLK",
        "https://acme.pagerduty.com/incidents/PT4KHLK/",
        "https://acme.pagerduty.com/incidents/PT4KHLK/timeline?tab=notes#top",
        "https://acme.eu.pagerduty.com/incidents/PT4KHLK?utm_source=slack",
        "<https://acme.pagerduty.com/incidents/PT4KHLK>",
        "<https://acme.pagerduty.com/incidents/PT4KHLK|the incident>",
        "acme.pagerduty.com/incidents/PT4KHLK",
    ],
)
def test_an_incident_is_named_by_its_id_or_its_url(text: str) -> None:
    assert parse_incident_ref(text) == "PT4KHLK"


def test_a_newer_long_incident_id_is_accepted() -> None:
    assert parse_incident_ref("Q2CKYRLH85UNN4") == "Q2CKYRLH85UNN4"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "#1234",
        "1234567",
        "pt4khlk",
        "the checkout outage",
        "https://acme.pagerduty.com/services/PIJ90N7",
        "https://acme.pagerduty.com/incidents/",
        "ftp://acme.pagerduty.com/incidents/PT4KHLK",
        "http://[::1",
    ],
)
def test_anything_else_is_refused_with_examples_of_what_works(text: str) -> None:
    with pytest.raises(BadArguments, match="PT4KHLK") as raised:
        parse_incident_ref(text)
    assert "https://acme.pagerduty.com/incidents/PT4KHLK" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "service"),
    [
        ("pagerduty_v3_incident.triggered.aldaviva.body.json", ("PNE3JZM", "Webhook Tester")),
        (
            "pagerduty_v3_incident.priority_updated.go-pagerduty.body.json",
            ("PF9KMXH", "API Service"),
        ),
        # A note's data is the note: it names its incident, not the incident's service.
        ("pagerduty_v3_incident.annotated.aldaviva.body.json", (None, None)),
        ("pagerduty_v3_pagey.ping.aldaviva.body.json", (None, None)),
    ],
)
def test_an_event_names_the_service_its_incident_is_on_when_its_body_says(
    name: str, service: tuple[str | None, str | None]
) -> None:
    event = parse_webhook(fixture_bytes(name))

    assert (event.service_id, event.service_name) == service
