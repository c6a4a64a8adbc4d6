"""The PagerDuty REST client against httpx.MockTransport: pages, rate limits, typed errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from bot.errors import NotFound, UpstreamError
from bot.pagerduty.client import PagerDutyClient
from bot.pagerduty.errors import (
    PagerDutyAuthError,
    PagerDutyError,
    PagerDutyNotFound,
    PagerDutyRateLimited,
    PagerDutyUnavailable,
)
from tests import published

TOKEN = "u+secret-token-value"
BASE_URL = "https://api.pagerduty.test"

Handler = Callable[[httpx.Request], httpx.Response]


def fixture_json(name: str) -> dict[str, Any]:
    return published.read_json(name)


class Recorder:
    """Serves answers in turn (the last one repeats) and keeps every request and sleep."""

    def __init__(self, *answers: httpx.Response | Handler | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer

    def client(self, *, base_url: str = BASE_URL, max_retries: int = 5) -> PagerDutyClient:
        return PagerDutyClient(
            base_url,
            TOKEN,
            transport=httpx.MockTransport(self),
            sleep=self.sleeps.append,
            max_retries=max_retries,
        )

    def offsets(self) -> list[int]:
        return [int(request.url.params["offset"]) for request in self.requests]


def log_entry(number: int, *, incident_id: str = "PT4KHLK") -> dict[str, Any]:
    created = datetime(2026, 11, 24, 14, 0, tzinfo=UTC) + timedelta(seconds=number)
    return {
        "id": f"R{number:08d}",
        "type": "notify_log_entry",
        "summary": f"Notified Jane ({number})",
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "agent": None,
        "channel": {"type": "sms"},
        "incident": {"id": incident_id, "type": "incident_reference"},
    }


def paged(total: int, *, limit: int = 100) -> Handler:
    """A log of `total` entries served with classic offset pagination."""

    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        entries = [log_entry(n) for n in range(offset, min(offset + limit, total))]
        more = offset + limit < total
        body = {"log_entries": entries, "limit": limit, "offset": offset, "more": more}
        return httpx.Response(200, json=body)

    return answer


def rate_limited(**headers: str) -> httpx.Response:
    return httpx.Response(429, headers=headers, json={"error": {"message": "Too many"}})


OK_EMPTY_LOG = httpx.Response(200, json={"log_entries": [], "more": False})


# --- reading ------------------------------------------------------------------------


def test_every_request_carries_the_token_and_the_v2_media_type() -> None:
    recorder = Recorder(OK_EMPTY_LOG)
    list(recorder.client().iter_log_entries("PT4KHLK"))
    headers = recorder.requests[0].headers
    assert headers["authorization"] == f"Token token={TOKEN}"
    assert headers["accept"] == "application/vnd.pagerduty+json;version=2"


def test_an_incident_is_read_from_its_own_path() -> None:
    listed = fixture_json("pagerduty_rest_incidents_list.api-schema_example.json")
    recorder = Recorder(httpx.Response(200, json={"incident": listed["incidents"][0]}))
    incident = recorder.client().get_incident("PT4KHLK")
    assert incident["title"] == "The server is on fire."
    assert recorder.requests[0].url.path == "/incidents/PT4KHLK"


def test_the_published_log_example_without_paging_fields_is_one_page() -> None:
    example = fixture_json("pagerduty_rest_incident_log_entries.api-schema_example.json")
    recorder = Recorder(httpx.Response(200, json=example))
    stream = recorder.client().iter_log_entries("PT4KHLK")
    entries = list(stream)
    assert [entry.id for entry in entries] == ["Q02JTSNZWHSEKV"]
    entry = entries[0]
    assert entry.type == "trigger_log_entry"
    assert entry.created_at == datetime(2015, 11, 7, 0, 14, 20, tzinfo=UTC)
    assert entry.agent_name == "My Mail Service"
    assert entry.summary == "Triggered through the API"
    assert entry.incident_id == "PT4KHLK"
    assert not stream.truncated
    request = recorder.requests[0]
    assert request.url.path == "/incidents/PT4KHLK/log_entries"
    assert request.url.params["limit"] == "100" and request.url.params["offset"] == "0"


def test_a_long_log_is_followed_page_by_page_until_more_is_false() -> None:
    recorder = Recorder(paged(250))
    stream = recorder.client().iter_log_entries("PT4KHLK")
    entries = list(stream)
    assert len(entries) == 250 and len({entry.id for entry in entries}) == 250
    assert recorder.offsets() == [0, 100, 200]
    assert not stream.truncated


def test_pages_are_fetched_only_as_entries_are_read() -> None:
    recorder = Recorder(paged(250))
    stream = recorder.client().iter_log_entries("PT4KHLK")
    assert recorder.requests == []
    next(stream)
    assert recorder.offsets() == [0]


def test_a_log_past_ten_thousand_entries_stops_at_the_limit_and_says_it_is_truncated() -> None:
    recorder = Recorder(paged(12_345))
    stream = recorder.client().iter_log_entries("PT4KHLK")
    assert sum(1 for _ in stream) == 10_000
    assert stream.truncated
    assert max(recorder.offsets()) + 100 <= 10_000


def test_since_is_sent_in_utc() -> None:
    recorder = Recorder(OK_EMPTY_LOG)
    paris = timezone(timedelta(hours=1))
    since = datetime(2026, 11, 24, 15, 0, tzinfo=paris)
    list(recorder.client().iter_log_entries("PT4KHLK", since=since))
    assert recorder.requests[0].url.params["since"] == "2026-11-24T14:00:00+00:00"


def test_an_entry_without_a_summary_gets_one_from_its_type_agent_and_channel() -> None:
    entry = {
        "id": "R1",
        "type": "acknowledge_log_entry",
        "created_at": "2026-11-24T15:09:00+01:00",
        "agent": {"summary": "Jane Doe", "type": "user_reference"},
        "channel": {"type": "mobile"},
    }
    recorder = Recorder(httpx.Response(200, json={"log_entries": [entry]}))
    (read,) = recorder.client().iter_log_entries("PT4KHLK")
    assert read.summary == "Acknowledged by Jane Doe via mobile"
    assert read.created_at == datetime(2026, 11, 24, 14, 9, tzinfo=UTC)
    assert read.incident_id == "PT4KHLK"


def test_an_incident_id_cannot_escape_its_path_segment() -> None:
    recorder = Recorder(httpx.Response(200, json={"incident": {"id": "x"}}))
    recorder.client().get_incident("../users")
    assert recorder.requests[0].url.raw_path == b"/incidents/..%2Fusers"


def test_a_base_url_with_a_path_such_as_the_sandbox_is_kept() -> None:
    recorder = Recorder(OK_EMPTY_LOG)
    list(recorder.client(base_url="http://127.0.0.1:9/pagerduty").iter_log_entries("P1ABCDE"))
    assert recorder.requests[0].url.path == "/pagerduty/incidents/P1ABCDE/log_entries"


# --- rate limits and retries --------------------------------------------------------


def test_a_retried_429_waits_for_ratelimit_reset() -> None:
    recorder = Recorder(rate_limited(**{"ratelimit-reset": "3"}), OK_EMPTY_LOG)
    list(recorder.client().iter_log_entries("PT4KHLK"))
    assert recorder.sleeps == [3.0]
    assert len(recorder.requests) == 2


def test_a_429_without_ratelimit_reset_waits_for_retry_after() -> None:
    recorder = Recorder(rate_limited(**{"Retry-After": "7"}), OK_EMPTY_LOG)
    list(recorder.client().iter_log_entries("PT4KHLK"))
    assert recorder.sleeps == [7.0]


def test_a_429_with_no_usable_header_backs_off() -> None:
    recorder = Recorder(rate_limited(**{"ratelimit-reset": "soon"}), OK_EMPTY_LOG)
    list(recorder.client().iter_log_entries("PT4KHLK"))
    assert recorder.sleeps == [1.0]


def test_an_absurd_wait_is_capped() -> None:
    recorder = Recorder(rate_limited(**{"ratelimit-reset": "86400"}), OK_EMPTY_LOG)
    list(recorder.client().iter_log_entries("PT4KHLK"))
    assert recorder.sleeps == [120.0]


def test_a_rate_limit_that_never_lifts_raises_after_the_allowed_retries() -> None:
    recorder = Recorder(rate_limited(**{"ratelimit-reset": "2"}))
    with pytest.raises(PagerDutyRateLimited) as raised:
        recorder.client(max_retries=3).get_incident("PT4KHLK")
    assert recorder.sleeps == [2.0, 2.0, 2.0]
    assert len(recorder.requests) == 4
    assert raised.value.status == 429


def test_a_server_error_is_retried_with_growing_waits() -> None:
    recorder = Recorder(httpx.Response(502), httpx.Response(503), OK_EMPTY_LOG)
    list(recorder.client().iter_log_entries("PT4KHLK"))
    assert recorder.sleeps == [1.0, 2.0]


def test_a_server_that_keeps_failing_is_unavailable_after_the_retries() -> None:
    recorder = Recorder(httpx.Response(500))
    with pytest.raises(PagerDutyUnavailable) as raised:
        recorder.client(max_retries=2).get_incident("PT4KHLK")
    assert raised.value.status == 500
    assert len(recorder.requests) == 3


def test_a_lost_connection_is_retried_then_reported_as_unavailable() -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(PagerDutyUnavailable, match="could not be reached"):
        recorder.client(max_retries=1).get_incident("PT4KHLK")
    assert recorder.sleeps == [1.0]


def test_a_failure_on_a_later_page_keeps_the_entries_already_read() -> None:
    recorder = Recorder(paged(150), httpx.Response(401))
    stream = recorder.client().iter_log_entries("PT4KHLK")
    read = []
    with pytest.raises(PagerDutyAuthError):
        read.extend(stream)
    assert len(read) == 100


# --- typed errors -------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_is_an_auth_error_raised_at_once_without_the_token(status: int) -> None:
    recorder = Recorder(httpx.Response(status))
    with pytest.raises(PagerDutyAuthError, match="PAGERDUTY_API_TOKEN") as raised:
        recorder.client().get_incident("PT4KHLK")
    assert recorder.sleeps == []
    assert TOKEN not in str(raised.value)
    assert isinstance(raised.value, UpstreamError)


def test_an_unknown_incident_is_not_found_for_the_person_who_named_it() -> None:
    recorder = Recorder(httpx.Response(404, json={"error": {"message": "Not Found"}}))
    with pytest.raises(PagerDutyNotFound, match="incident PZZZZZZ") as raised:
        list(recorder.client().iter_log_entries("PZZZZZZ"))
    assert isinstance(raised.value, NotFound) and isinstance(raised.value, UpstreamError)
    assert recorder.sleeps == []


def test_another_client_error_carries_pagerdutys_own_message() -> None:
    answer = httpx.Response(400, json={"error": {"message": "Invalid Input Provided"}})
    with pytest.raises(PagerDutyError, match="Invalid Input Provided") as raised:
        Recorder(answer).client().get_incident("PT4KHLK")
    assert raised.value.status == 400


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"incidents": []}),
    ],
)
def test_an_unreadable_incident_answer_is_an_upstream_error(answer: httpx.Response) -> None:
    with pytest.raises(PagerDutyError):
        Recorder(answer).client().get_incident("PT4KHLK")


@pytest.mark.parametrize(
    "body",
    [
        {"log_entries": "none"},
        {"log_entries": [{"type": "trigger_log_entry", "created_at": "2026-11-24T14:00:00Z"}]},
        {"log_entries": [{"id": "R1", "type": "trigger_log_entry", "created_at": "noon"}]},
    ],
)
def test_an_unreadable_log_page_is_an_upstream_error(body: dict[str, Any]) -> None:
    with pytest.raises(PagerDutyError):
        list(Recorder(httpx.Response(200, json=body)).client().iter_log_entries("PT4KHLK"))


def test_the_client_closes_its_connections_when_used_as_a_context_manager() -> None:
    recorder = Recorder(OK_EMPTY_LOG)
    with recorder.client() as client:
        list(client.iter_log_entries("PT4KHLK"))
    with pytest.raises(RuntimeError):
        client.get_incident("PT4KHLK")
