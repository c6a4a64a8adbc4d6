"""Jira Cloud: the webhook read from a recorded Jira Cloud payload, the REST client
against Atlassian's v3 request and answer shapes (httpx.MockTransport), the ADF body."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from bot.clients import build_clients
from bot.config import Settings
from bot.errors import ConfigError
from bot.jira.client import JiraClient, valid_project
from bot.jira.document import adf, plain_text
from bot.jira.webhook import parse_issue_updated
from bot.trackers.drafts import ItemForTicket, draft, item_of, marker
from bot.trackers.errors import (
    TrackerAuthError,
    TrackerNotFound,
    TrackerRateLimited,
    TrackerRejected,
    TrackerUnavailable,
)
from tests import published

STATUS_CHANGED = "jira_webhook_issue_updated.status_changed.jira-to-matrix.body.json"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SITE = "https://acme.atlassian.example"


def _item(**changes: Any) -> ItemForTicket:
    values: dict[str, Any] = dict(
        id=7,
        code="AI-002",
        action="add a pool-size range check to deploy.sh",
        owner="Alice Ng",
        assignee="alice@acme.example",
        deadline=date(2026, 12, 11),
        priority="High",
        factor_kind="testing",
        factor_text="Config values have no schema",
        postmortem_title="Checkout 500s",
        postmortem_url="https://postmortem.example.com/postmortems/abc",
    )
    values.update(changes)
    return ItemForTicket(**values)


def _done(event: dict[str, Any], category: str) -> bytes:
    event["issue"]["fields"]["status"]["statusCategory"]["key"] = category
    return json.dumps(event).encode()


def test_a_recorded_status_change_to_in_progress_reads_as_open_of_no_item() -> None:
    status = parse_issue_updated(published.read_bytes(STATUS_CHANGED))
    assert status is not None
    assert (status.project, status.key, status.closed, status.item_id) == (
        "INDEV",
        "INDEV-6",
        False,
        None,
    )


def test_a_move_into_a_done_category_with_the_marker_names_its_item_as_done() -> None:
    event = published.read_json(STATUS_CHANGED)
    event["issue"]["fields"]["description"] = adf("**Action:** add an alert\n" + marker(42))
    status = parse_issue_updated(_done(event, "done"))
    assert status is not None and status.closed and status.item_id == 42
    event["issue"]["fields"]["description"] = "v2 text\n" + marker(43)
    status = parse_issue_updated(_done(event, "done"))
    assert status is not None and status.item_id == 43


def test_an_update_without_a_status_change_or_another_event_changes_nothing() -> None:
    event = published.read_json(STATUS_CHANGED)
    event["changelog"]["items"][0]["field"] = "summary"
    assert parse_issue_updated(json.dumps(event).encode()) is None
    event = published.read_json(STATUS_CHANGED)
    event["webhookEvent"] = "jira:issue_created"
    assert parse_issue_updated(json.dumps(event).encode()) is None


def test_the_adf_body_keeps_every_field_and_the_marker_as_a_text_node() -> None:
    document = adf(draft(_item()).body)
    assert document["type"] == "doc" and document["version"] == 1
    kinds = [node["type"] for node in document["content"]]
    assert kinds == ["paragraph", "bulletList", "paragraph", "paragraph"]
    assert document["content"][0]["content"][0] == {
        "type": "text",
        "text": "Action:",
        "marks": [{"type": "strong"}],
    }
    text = plain_text(document)
    for expected in ("Owner: Alice Ng", "Deadline: 2026-12-11", "Priority: High", "testing"):
        assert expected in text
    link = [
        node
        for item in document["content"][1]["content"]
        for node in item["content"][0]["content"]
        if node.get("marks")
    ]
    assert link[0]["marks"][0]["attrs"]["href"] == "https://postmortem.example.com/postmortems/abc"
    assert document["content"][-1]["content"] == [{"type": "text", "text": marker(7)}]
    assert item_of(text) == 7


def _client(handler: Any) -> JiraClient:
    return JiraClient(
        SITE,
        "bot@acme.example",
        "jira-token",
        transport=httpx.MockTransport(handler),
        clock=lambda: NOW,
    )


def _users(email: str) -> list[dict[str, Any]]:
    return [
        {
            "self": f"{SITE}/rest/api/3/user?accountId=5b10ac8d82e05b22cc7d4ef5",
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
            "accountType": "atlassian",
            "emailAddress": email,
            "displayName": "Alice Ng",
            "active": True,
        }
    ]


def test_create_sends_adf_due_date_priority_labels_and_the_looked_up_assignee() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/rest/api/3/user/search":
            return httpx.Response(200, json=_users(request.url.params["query"]))
        return httpx.Response(
            201, json={"id": "10000", "key": "OPS-24", "self": f"{SITE}/rest/api/3/issue/10000"}
        )

    ticket = _client(handler).create("OPS", draft(_item()))
    assert (ticket.key, ticket.url, ticket.closed) == ("OPS-24", f"{SITE}/browse/OPS-24", False)
    lookup, create = seen
    assert lookup.url.params["query"] == "alice@acme.example"
    expected_auth = base64.b64encode(b"bot@acme.example:jira-token").decode()
    assert create.headers["authorization"] == f"Basic {expected_auth}"
    fields = json.loads(create.content)["fields"]
    assert fields["project"] == {"key": "OPS"} and fields["issuetype"] == {"name": "Task"}
    assert fields["summary"] == "AI-002: add a pool-size range check to deploy.sh"
    assert fields["duedate"] == "2026-12-11" and fields["priority"] == {"name": "High"}
    assert fields["labels"] == ["post-mortem", "testing"]
    assert fields["assignee"] == {"accountId": "5b10ac8d82e05b22cc7d4ef5"}
    assert item_of(plain_text(fields["description"])) == 7


def test_an_owner_jira_does_not_know_is_filed_unassigned() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rest/api/3/user/search":
            return httpx.Response(200, json=[])
        return httpx.Response(201, json={"id": "1", "key": "OPS-1", "self": "x"})

    seen: list[dict[str, Any]] = []

    def recording(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            seen.append(json.loads(request.content)["fields"])
        return handler(request)

    _client(recording).create("OPS", draft(_item(priority=None, deadline=None)))
    assert "assignee" not in seen[0] and "priority" not in seen[0] and "duedate" not in seen[0]


def _found(key: str, body: str, category: str) -> dict[str, Any]:
    return {
        "id": "1",
        "key": key,
        "self": f"{SITE}/rest/api/3/issue/1",
        "fields": {
            "summary": key,
            "labels": ["post-mortem"],
            "description": adf(body),
            "status": {"name": "Done", "statusCategory": {"id": 3, "key": category}},
        },
    }


def test_find_pages_the_projects_post_mortem_issues_by_token_and_reads_the_marker() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        if "nextPageToken" not in body:
            page = [_found("OPS-1", "other\n" + marker(3), "new")]
            return httpx.Response(
                200, json={"issues": page, "nextPageToken": "p2", "isLast": False}
            )
        page = [_found("OPS-2", "x\n" + marker(7), "done")]
        return httpx.Response(200, json={"issues": page, "isLast": True})

    found = _client(handler).find("OPS", [marker(7), marker(9)])
    assert list(found) == [marker(7)]
    assert found[marker(7)].key == "OPS-2" and found[marker(7)].closed
    assert 'project = "OPS"' in bodies[0]["jql"] and 'labels = "post-mortem"' in bodies[0]["jql"]
    assert bodies[1]["nextPageToken"] == "p2"


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (401, {}, TrackerAuthError),
        (403, {}, TrackerAuthError),
        (404, {}, TrackerNotFound),
        (400, {}, TrackerRejected),
        (429, {"Retry-After": "120"}, TrackerRateLimited),
        (503, {}, TrackerUnavailable),
    ],
)
def test_refusals_are_typed_and_say_what_jira_said(
    status: int, headers: dict[str, str], error: type[Exception]
) -> None:
    said = {"errorMessages": [], "errors": {"priority": "Priority name 'High' is not valid"}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=said, headers=headers)

    with pytest.raises(error) as raised:
        _client(handler).find("OPS", [marker(1)])
    assert "priority: Priority name 'High' is not valid" in str(raised.value)
    if isinstance(raised.value, TrackerRateLimited):
        assert raised.value.retry_at == datetime(2026, 12, 1, 12, 2, tzinfo=UTC)


def test_no_connection_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(TrackerUnavailable):
        _client(handler).create("OPS", draft(_item(assignee=None)))


def test_project_keys() -> None:
    assert valid_project("OPS") and valid_project("CHK2")
    assert not valid_project("ops") and not valid_project("O") and not valid_project('OPS"')


def test_settings_name_jira_and_build_its_client_only_when_complete() -> None:
    environ = {
        "JIRA_URL": "https://acme.atlassian.net/",
        "JIRA_EMAIL": "bot@acme.example",
        "JIRA_API_TOKEN": "jira-token",
        "JIRA_PROJECT": "OPS",
        "JIRA_WEBHOOK_SECRET": "whsec",
    }
    settings = Settings.from_env(environ)
    assert (settings.jira_url, settings.jira_project) == ("https://acme.atlassian.net", "OPS")
    assert "jira-token" not in repr(settings) and "whsec" not in repr(settings)
    clients = build_clients(settings, transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    assert clients.jira is not None and clients.jira.browse_url("OPS-1").endswith("/browse/OPS-1")
    clients.close()
    without_token = Settings.from_env({k: v for k, v in environ.items() if k != "JIRA_API_TOKEN"})
    assert build_clients(without_token).jira is None
    with pytest.raises(ConfigError):
        Settings.from_env({**environ, "JIRA_PROJECT": "ops"})


def test_status_reads_the_issues_status_category_and_asks_for_that_field_alone() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = {"name": "Done", "statusCategory": {"key": "done", "name": "Done"}}
        body = {"id": "10001", "key": "OPS-7", "self": f"{SITE}/rest/api/3/issue/10001"}
        return httpx.Response(200, json={**body, "fields": {"status": status}})

    with _client(handler) as client:
        ticket = client.status("OPS", f"{SITE}/browse/OPS-7")
    assert (ticket.key, ticket.closed, ticket.url) == ("OPS-7", True, f"{SITE}/browse/OPS-7")
    assert seen[0].url.path == "/rest/api/3/issue/OPS-7"
    assert seen[0].url.params["fields"] == "status"
