"""GitHub Issues: the webhook read from GitHub's published payload, its signature, the
REST client against recorded-shape answers (httpx.MockTransport), the ticket drafts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from bot.github.client import GitHubClient
from bot.github.webhook import parse_issue_event, signature, verify_signature
from bot.trackers.drafts import ItemForTicket, draft, item_of, marker
from bot.trackers.errors import (
    TrackerAuthError,
    TrackerGone,
    TrackerNotFound,
    TrackerRateLimited,
    TrackerRejected,
    TrackerUnavailable,
)
from tests import published

REOPENED = "github_webhook_issues.reopened.octokit.json"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_githubs_published_reopened_event_reads_as_a_reopened_issue_of_no_item() -> None:
    status = parse_issue_event(published.read_bytes(REOPENED))
    assert status is not None
    assert (status.repository, status.url, status.closed) == (
        "Codertocat/Hello-World",
        "https://github.com/Codertocat/Hello-World/issues/1",
        False,
    )
    assert status.item_id is None and status.actor == "Codertocat"


def test_a_closed_issue_with_the_bots_marker_names_its_item() -> None:
    event = published.read_json(REOPENED)
    event["action"], event["issue"]["state"] = "closed", "closed"
    event["issue"]["body"] = "**Action:** add an alert\n" + marker(42)
    status = parse_issue_event(json.dumps(event).encode())
    assert status is not None and status.closed and status.item_id == 42


def test_other_actions_change_nothing() -> None:
    event = published.read_json(REOPENED)
    event["action"] = "labeled"
    assert parse_issue_event(json.dumps(event).encode()) is None


def test_signature_matches_githubs_documented_example_and_nothing_else() -> None:
    # docs.github.com "Validating webhook deliveries": this secret and payload give this header.
    body, secret = b"Hello, World!", "It's a Secret to Everybody"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature(body, secret) == expected
    assert verify_signature(body, expected, (secret,))
    assert not verify_signature(body + b" ", expected, (secret,))
    assert not verify_signature(body, expected, ("another secret",))


def _item(**changes: Any) -> ItemForTicket:
    values: dict[str, Any] = dict(
        id=7,
        code="AI-002",
        action="add a pool-size range check to deploy.sh",
        owner="Alice Ng",
        assignee="alice-ng",
        deadline=date(2026, 12, 11),
        priority="Medium",
        factor_kind="testing",
        factor_text="Config values have no schema",
        postmortem_title="Checkout 500s",
        postmortem_url="https://postmortem.example.com/postmortems/abc",
    )
    values.update(changes)
    return ItemForTicket(**values)


def test_a_draft_carries_everything_the_issue_asks_for() -> None:
    ticket = draft(_item())
    assert ticket.title == "AI-002: add a pool-size range check to deploy.sh"
    assert ticket.labels == ("post-mortem", "testing")
    assert ticket.assignee == "alice-ng" and ticket.due == date(2026, 12, 11)
    assert "- Deadline: 2026-12-11" in ticket.body and "- Priority: Medium" in ticket.body
    assert "[Checkout 500s](https://postmortem.example.com/postmortems/abc)" in ticket.body
    assert item_of(ticket.body) == 7


def _client(handler: Any) -> GitHubClient:
    return GitHubClient(
        "https://api.github.example",
        "ghp_test",
        transport=httpx.MockTransport(handler),
        clock=lambda: NOW,
    )


def _issue(number: int, body: str, state: str = "open") -> dict[str, Any]:
    issue = published.read_json(REOPENED)["issue"]
    issue.update(number=number, body=body, state=state)
    issue["html_url"] = f"https://github.com/acme/checkout/issues/{number}"
    return issue


def test_create_sends_title_body_labels_assignee_with_githubs_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=_issue(3, json.loads(request.content)["body"]))

    ticket = _client(handler).create("acme/checkout", draft(_item()))
    assert (ticket.key, ticket.url, ticket.closed) == (
        "#3",
        "https://github.com/acme/checkout/issues/3",
        False,
    )
    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/repos/acme/checkout/issues")
    assert request.headers["authorization"] == "Bearer ghp_test"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    sent = json.loads(request.content)
    assert sent["labels"] == ["post-mortem", "testing"] and sent["assignees"] == ["alice-ng"]


def test_find_reads_every_page_of_labelled_issues_for_the_markers() -> None:
    pages = {
        "1": [_issue(n, "no marker") for n in range(100, 200)],
        "2": [_issue(5, "x\n" + marker(7), state="closed")],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert (params["labels"], params["state"]) == ("post-mortem", "all")
        return httpx.Response(200, json=pages[params["page"]])

    found = _client(handler).find("acme/checkout", [marker(7), marker(8)])
    assert list(found) == [marker(7)] and found[marker(7)].closed


@pytest.mark.parametrize(
    ("status", "headers", "body", "error", "words"),
    [
        (401, {}, {"message": "Bad credentials"}, TrackerAuthError, "refused GITHUB_TOKEN"),
        (
            403,
            {},
            {"message": "Resource not accessible by integration"},
            TrackerAuthError,
            "may not file",
        ),
        (404, {}, {"message": "Not Found"}, TrackerNotFound, "no repository acme/checkout"),
        (
            422,
            {},
            {
                "message": "Validation Failed",
                "errors": [{"resource": "Issue", "code": "invalid", "field": "assignees"}],
            },
            TrackerRejected,
            "Validation Failed: invalid assignees",
        ),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1764597600"},
            {"message": "API rate limit exceeded"},
            TrackerRateLimited,
            "try again after 14:00 UTC",
        ),
        (
            429,
            {"retry-after": "90"},
            {"message": "slow down"},
            TrackerRateLimited,
            "after 12:01 UTC",
        ),
        (502, {}, {"message": "Server Error"}, TrackerUnavailable, "answered 502"),
    ],
)
def test_refusals_become_typed_errors_that_say_what_to_do(
    status: int, headers: dict[str, str], body: dict[str, Any], error: type[Exception], words: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")) as raised:
        _client(handler).create("acme/checkout", draft(_item()))
    if isinstance(raised.value, TrackerRateLimited):
        assert raised.value.retry_at is not None


def test_no_connection_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TrackerUnavailable, match="could not be reached"):
        _client(handler).find("acme/checkout", [marker(1)])


def test_status_asks_for_the_one_issue_and_keeps_what_is_left_of_the_rate_limit() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        headers = {"x-ratelimit-remaining": "42", "x-ratelimit-reset": "1767225600"}
        return httpx.Response(200, json=_issue(7, "body", state="closed"), headers=headers)

    with _client(handler) as client:
        ticket = client.status("acme/checkout", "https://github.com/acme/checkout/issues/7")
        assert (ticket.key, ticket.closed) == ("#7", True)
        assert client.budget.remaining == 42
        assert client.budget.reset_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert (seen[0].method, seen[0].url.path) == ("GET", "/repos/acme/checkout/issues/7")


def test_status_of_a_page_that_is_no_issue_asks_nothing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing should be asked")

    with _client(handler) as client, pytest.raises(TrackerNotFound):
        client.status("acme/checkout", "https://github.com/acme/checkout/pull/7/files")


def test_status_of_a_transferred_issue_follows_githubs_301_to_where_it_lives_now() -> None:
    # docs.github.com "Get an issue": a transferred issue answers 301 with its new address.
    moved = "https://api.github.example/repositories/1296269/issues/7"

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == moved:
            return httpx.Response(200, json=_issue(7, "body", state="closed"))
        body = {"message": "Moved Permanently", "url": moved, "documentation_url": "x"}
        return httpx.Response(301, json=body, headers={"location": moved})

    with _client(handler) as client:
        ticket = client.status("acme/checkout", "https://github.com/acme/checkout/issues/7")
    assert ticket.closed


def test_status_of_a_deleted_issue_is_gone_not_a_refusal_to_try_again() -> None:
    # docs.github.com "Get an issue": 410 Gone for an issue that was deleted.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(410, json={"message": "This issue was deleted"})

    with _client(handler) as client, pytest.raises(TrackerGone, match="was deleted"):
        client.status("acme/checkout", "https://github.com/acme/checkout/issues/7")
