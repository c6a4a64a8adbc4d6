"""The Jira stand-in refuses what Jira Cloud would and answers in its REST v3 shapes."""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.jira.document import adf
from bot.sandbox.jira_api import EMAIL, TOKEN, JiraState
from bot.sandbox.wire import Request, Response

ACCOUNT = "5b10ac8d82e05b22cc7d4ef5"


def _state() -> JiraState:
    state = JiraState()
    state.add_project("OPS", {"bob@acme.example": ACCOUNT})
    return state


def _call(
    state: JiraState,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    query: str = "",
    password: str = TOKEN,
) -> Response:
    auth = base64.b64encode(f"{EMAIL}:{password}".encode()).decode()
    headers = {"authorization": f"Basic {auth}", "content-type": "application/json"}
    raw = json.dumps(body).encode() if body is not None else b""
    return state.route(Request(method, f"/jira{path}", query, headers, raw))


def _fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "project": {"key": "OPS"},
        "issuetype": {"name": "Task"},
        "summary": "AI-001: add an alert",
        "description": adf("**Action:** add an alert"),
        "labels": ["post-mortem"],
    }
    fields.update(changes)
    return {"fields": fields}


def test_wrong_credentials_are_401_with_an_error_collection() -> None:
    answer = _call(_state(), "POST", "/rest/api/3/issue", _fields(), password="wrong")
    assert answer.status == 401 and json.loads(answer.body)["errorMessages"]


def test_a_created_issue_answers_id_key_self_and_is_kept_with_its_fields() -> None:
    state = _state()
    answer = _call(
        state,
        "POST",
        "/rest/api/3/issue",
        _fields(assignee={"accountId": ACCOUNT}, priority={"name": "High"}, duedate="2026-12-04"),
    )
    assert answer.status == 201
    created = json.loads(answer.body)
    assert set(created) == {"id", "key", "self"} and created["key"] == "OPS-1"
    [issue] = state.created("OPS")
    assert issue["fields"]["assignee"]["accountId"] == ACCOUNT
    assert issue["fields"]["status"]["statusCategory"]["key"] == "new"


def test_fields_jira_would_refuse_are_a_400_naming_each_field() -> None:
    bad = _fields(
        summary="",
        description="plain text is v2, not ADF",
        priority={"name": "Urgent"},
        assignee={"accountId": "nobody"},
        duedate="04/12/2026",
        labels=["post mortem"],
    )
    answer = _call(_state(), "POST", "/rest/api/3/issue", bad)
    assert answer.status == 400
    errors = json.loads(answer.body)["errors"]
    assert set(errors) == {"summary", "description", "priority", "assignee", "duedate", "labels"}
    unknown = _call(_state(), "POST", "/rest/api/3/issue", _fields(project={"key": "NOPE"}))
    assert unknown.status == 400 and "project" in json.loads(unknown.body)["errors"]


def test_search_pages_by_next_page_token_and_keeps_only_the_fields_asked() -> None:
    state = _state()
    for _ in range(3):
        _call(state, "POST", "/rest/api/3/issue", _fields())
    query = {"jql": 'project = "OPS" AND labels = "post-mortem"', "maxResults": 2}
    first = json.loads(
        _call(state, "POST", "/rest/api/3/search/jql", {**query, "fields": ["summary"]}).body
    )
    assert [i["key"] for i in first["issues"]] == ["OPS-1", "OPS-2"] and not first["isLast"]
    assert set(first["issues"][0]["fields"]) == {"summary"}
    rest = {**query, "nextPageToken": first["nextPageToken"]}
    second = json.loads(_call(state, "POST", "/rest/api/3/search/jql", rest).body)
    assert [i["key"] for i in second["issues"]] == ["OPS-3"] and second["isLast"]
    other = {"jql": 'project = "OPS" AND labels = "other"'}
    assert json.loads(_call(state, "POST", "/rest/api/3/search/jql", other).body)["issues"] == []


def test_user_search_finds_the_account_by_email() -> None:
    answer = _call(_state(), "GET", "/rest/api/3/user/search", query="query=bob%40acme.example")
    [user] = json.loads(answer.body)
    assert user["accountId"] == ACCOUNT and user["emailAddress"] == "bob@acme.example"
    nobody = _call(_state(), "GET", "/rest/api/3/user/search", query="query=eve%40acme.example")
    assert json.loads(nobody.body) == []
