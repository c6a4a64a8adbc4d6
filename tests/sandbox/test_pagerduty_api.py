"""The PagerDuty REST stand-in, over httpx, shaped like the api-schema examples."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bot.sandbox import Sandbox

INCIDENT = "PINC0001"


@pytest.fixture
def pd(sb: Sandbox) -> httpx.Client:
    sb.pagerduty.add_incident(INCIDENT, title="Checkout 5xx", service_name="checkout")
    headers = {
        "Authorization": f"Token token={sb.pagerduty.token}",
        "Accept": "application/vnd.pagerduty+json;version=2",
    }
    return httpx.Client(base_url=sb.pagerduty_api_url, headers=headers)


def _entries(sb: Sandbox, count: int) -> None:
    for minute in range(count):
        sb.pagerduty.add_log_entry(
            INCIDENT,
            {
                "type": "annotate_log_entry",
                "created_at": f"2024-05-01T10:{minute % 60:02d}:{minute // 60:02d}Z",
            },
        )


def test_requests_without_the_token_get_401(sb: Sandbox, pd: httpx.Client) -> None:
    bare = httpx.get(f"{sb.pagerduty_api_url}/incidents/{INCIDENT}")
    wrong = httpx.get(
        f"{sb.pagerduty_api_url}/incidents/{INCIDENT}", headers={"Authorization": "Token token=x"}
    )
    assert bare.status_code == wrong.status_code == 401
    assert bare.json()["error"]["message"] == "Unauthorized"
    assert pd.get(f"/incidents/{INCIDENT}").status_code == 200


def test_incidents_and_log_entries_have_the_fields_of_the_schema_examples(
    sb: Sandbox, pd: httpx.Client, fixtures: Path
) -> None:
    _entries(sb, 1)
    example_incident = json.loads(
        (fixtures / "pagerduty_rest_incidents_list.api-schema_example.json").read_text()
    )["incidents"][0]
    example_entry = json.loads(
        (fixtures / "pagerduty_rest_incident_log_entries.api-schema_example.json").read_text()
    )["log_entries"][0]

    incident = pd.get(f"/incidents/{INCIDENT}").json()["incident"]
    entry = pd.get(f"/incidents/{INCIDENT}/log_entries").json()["log_entries"][0]

    assert set(example_incident) <= set(incident)
    assert set(example_entry) <= set(entry)
    assert entry["incident"]["id"] == INCIDENT and entry["incident"]["type"] == "incident_reference"
    assert incident["service"]["summary"] == "checkout"


def test_log_entries_page_by_offset_newest_first_with_total_on_request(
    sb: Sandbox, pd: httpx.Client
) -> None:
    _entries(sb, 60)

    first = pd.get(f"/incidents/{INCIDENT}/log_entries").json()
    pages, offset = [], 0
    while True:
        page = pd.get(
            f"/incidents/{INCIDENT}/log_entries",
            params={"limit": 25, "offset": offset, "total": "true"},
        ).json()
        pages.append(page)
        if not page["more"]:
            break
        offset += page["limit"]

    assert first["limit"] == 25 and first["offset"] == 0 and first["total"] is None
    assert [len(p["log_entries"]) for p in pages] == [25, 25, 10]
    assert {p["total"] for p in pages} == {60}
    stamps = [e["created_at"] for p in pages for e in p["log_entries"]]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == 60
    assert (
        pd.get(f"/incidents/{INCIDENT}/log_entries", params={"limit": 500}).json()["limit"] == 100
    )


def test_classic_pagination_stops_at_ten_thousand(pd: httpx.Client) -> None:
    ok = pd.get(f"/incidents/{INCIDENT}/log_entries", params={"offset": 9900, "limit": 100})
    too_far = pd.get(f"/incidents/{INCIDENT}/log_entries", params={"offset": 9901, "limit": 100})
    assert ok.status_code == 200 and ok.json()["more"] is False
    assert too_far.status_code == 400 and too_far.json()["error"]["code"] == 2001


def test_notes_list_and_incident_list_and_unknown_ids(sb: Sandbox, pd: httpx.Client) -> None:
    sb.pagerduty.add_note(INCIDENT, "Rolled back deploy 42", user_name="Bob Okafor")
    sb.pagerduty.add_incident("PINC0002", title="Second", status="resolved")

    notes = pd.get(f"/incidents/{INCIDENT}/notes").json()["notes"]
    listed = pd.get("/incidents").json()

    assert notes[0]["content"] == "Rolled back deploy 42"
    assert notes[0]["user"]["summary"] == "Bob Okafor"
    assert [i["id"] for i in listed["incidents"]] == [INCIDENT, "PINC0002"]
    assert listed["more"] is False
    assert pd.get("/incidents/PNOPE").status_code == 404
    assert pd.get("/services").status_code == 404
    assert sb.pagerduty.call_count("/incidents/{id}/notes") == 1


def test_over_the_rate_limit_pagerduty_answers_429_with_ratelimit_headers() -> None:
    with Sandbox(rate_window_seconds=60.0, pagerduty_rate_limit=2) as sb:
        sb.pagerduty.add_incident(INCIDENT, title="x")
        headers = {"Authorization": f"Token token={sb.pagerduty.token}"}
        answers = [
            httpx.get(f"{sb.pagerduty_api_url}/incidents/{INCIDENT}", headers=headers)
            for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[1].headers["ratelimit-remaining"] == "0"
    limited = answers[2].headers
    assert limited["ratelimit-limit"] == "2" and limited["ratelimit-remaining"] == "0"
    assert 1 <= int(limited["ratelimit-reset"]) <= 60


def test_an_incident_names_its_service_as_the_schema_example_does(
    sb: Sandbox, pd: httpx.Client, fixtures: Path
) -> None:
    example = json.loads(
        (fixtures / "pagerduty_rest_incidents_list.api-schema_example.json").read_text()
    )["incidents"][0]["service"]
    sb.pagerduty.add_incident("PINC0002", title="Login", service_id="PNE3JZM", service_name="auth")

    service = pd.get("/incidents/PINC0002").json()["incident"]["service"]

    assert set(service) == set(example) and service["type"] == example["type"]
    assert (service["id"], service["summary"]) == ("PNE3JZM", "auth")
    assert service["self"].endswith("/services/PNE3JZM")
