"""The sandbox sends `app_home_opened` and Home clicks in the shapes Slack does, so the
scenario tests exercise the bot on what it will really receive."""

from __future__ import annotations

import threading

from bot.sandbox import payloads
from bot.sandbox.rate_limits import RateLimiter
from bot.sandbox.slack_interactive import views_publish
from bot.sandbox.slack_state import SlackWorkspace
from tests import published

HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}


def _workspace() -> SlackWorkspace:
    ws = SlackWorkspace(threading.Condition(), RateLimiter(1.0), False)
    ws.add_user("U0ALICE", "alice")
    return ws


def test_app_home_opened_carries_the_fields_slack_documents_with_the_home_shown_before() -> None:
    sample = published.read_json("slack_event_callback_app_home_opened.java-slack-sdk.json")
    ws = _workspace()
    first = payloads.app_home_opened("U0ALICE", ws.dm_channel("U0ALICE"), "home", None)
    assert "view" not in first, "nothing was published yet"

    with ws.lock:
        views_publish(ws, {"user_id": "U0ALICE", "view": HOME})
    shown = ws.home_view("U0ALICE")
    assert shown is not None
    event = payloads.app_home_opened("U0ALICE", ws.dm_channel("U0ALICE"), "home", shown)

    assert set(event) == set(sample["event"])
    assert event["type"] == "app_home_opened" and event["channel"].startswith("D")
    view_keys, sample_keys = set(event["view"]), set(sample["event"]["view"])
    assert sample_keys - view_keys <= {"submit_disabled"}, "a modal's field only"
    assert view_keys - sample_keys == {"blocks"}, "the sample leaves the blocks out"
    assert event["view"]["type"] == "home" and event["view"]["blocks"] == HOME["blocks"]


def test_a_home_click_names_the_view_as_its_container_and_has_no_channel_or_message() -> None:
    ws = _workspace()
    with ws.lock:
        views_publish(ws, {"user_id": "U0ALICE", "view": HOME})
    view = ws.home_view("U0ALICE")
    assert view is not None
    action = {"type": "button", "action_id": "action_item_done", "value": "4:home"}

    payload = payloads.home_block_actions(ws, action, "U0ALICE", view, "1.2.trigger")

    assert payload["container"] == {"type": "view", "view_id": view["id"]}
    assert payload["view"]["type"] == "home" and payload["user"]["id"] == "U0ALICE"
    assert not {"channel", "message", "response_url"} & set(payload)
