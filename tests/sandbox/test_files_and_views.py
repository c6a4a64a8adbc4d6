"""files_upload_v2 end to end, and modals opened with trigger ids."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import Sandbox
from tests.sandbox.conftest import ALICE, INCIDENT

MODAL = {
    "type": "modal",
    "callback_id": "impact",
    "title": {"type": "plain_text", "text": "Impact"},
    "blocks": [
        {
            "type": "input",
            "block_id": "b",
            "label": {"type": "plain_text", "text": "What broke"},
            "element": {"type": "plain_text_input"},
        }
    ],
}


def test_files_upload_v2_uploads_the_bytes_and_shares_them_in_the_thread(
    sb: Sandbox, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel=INCIDENT, text="post-mortem")
    report = "# Post-mortem\n\nTimeline: …\n".encode()

    answer = client.files_upload_v2(
        channel=INCIDENT,
        content=report,
        filename="postmortem.md",
        title="Post-mortem report",
        initial_comment="Here is the report",
        thread_ts=parent["ts"],
    )

    assert answer["file"]["title"] == "Post-mortem report"
    assert answer["file"]["name"] == "postmortem.md" and answer["file"]["size"] == len(report)
    (stored,) = sb.slack.files
    assert stored["content"] == report and stored["channels"] == [INCIDENT]
    assert stored["thread_ts"] == parent["ts"]
    assert stored["initial_comment"] == "Here is the report"
    share = sb.slack.replies(INCIDENT, parent["ts"])[-1]
    assert share["files"][0]["id"] == stored["id"] and share["text"] == "Here is the report"
    assert [c.method for c in sb.slack.calls[-3:]] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_completing_an_upload_whose_bytes_never_arrived_is_file_not_found(
    sb: Sandbox, client: WebClient
) -> None:
    reserved = client.files_getUploadURLExternal(filename="a.txt", length=3)
    with pytest.raises(SlackApiError) as caught:
        client.files_completeUploadExternal(
            files=[{"id": reserved["file_id"]}], channel_id=INCIDENT
        )
    assert caught.value.response["error"] == "file_not_found"
    assert httpx.post(reserved["upload_url"], content=b"abc").text == "OK - 3"
    assert client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}])["ok"]
    assert sb.slack.files[0]["channels"] == []


def test_views_open_exchanges_a_fresh_trigger_once(sb: Sandbox, client: WebClient) -> None:
    trigger = sb.slack.new_trigger_id()

    opened = client.views_open(trigger_id=trigger, view=MODAL)

    assert opened["view"]["id"].startswith("V") and opened["view"]["callback_id"] == "impact"
    assert sb.slack.views[0]["method"] == "views.open"
    assert sb.slack.views[0]["view"]["blocks"] == MODAL["blocks"]
    for trigger_id, error in ((trigger, "exchanged_trigger_id"), ("1.2.x", "invalid_trigger_id")):
        with pytest.raises(SlackApiError) as caught:
            client.views_open(trigger_id=trigger_id, view=MODAL)
        assert caught.value.response["error"] == error


def test_an_expired_trigger_is_refused_when_the_sandbox_enforces_ttl() -> None:
    with Sandbox(trigger_ttl_seconds=0.0) as sb:
        client = WebClient(base_url=sb.slack_api_url, token=sb.slack.bot_token)
        with pytest.raises(SlackApiError) as caught:
            client.views_open(trigger_id=sb.slack.new_trigger_id(), view=MODAL)
    assert caught.value.response["error"] == "expired_trigger_id"


def test_views_update_replaces_the_view_and_checks_the_hash(sb: Sandbox, client: WebClient) -> None:
    opened = client.views_open(trigger_id=sb.slack.new_trigger_id(), view=MODAL)["view"]
    changed = dict(MODAL, title={"type": "plain_text", "text": "Impact (2/7)"})

    updated = client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])

    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    assert [v["method"] for v in sb.slack.views] == ["views.open", "views.update"]
    for kwargs, error in (
        ({"view_id": opened["id"], "hash": opened["hash"]}, "hash_conflict"),
        ({"view_id": "V0NOPE"}, "not_found"),
    ):
        with pytest.raises(SlackApiError) as caught:
            client.views_update(view=changed, **kwargs)
        assert caught.value.response["error"] == error


def test_views_publish_sets_a_users_home_tab(sb: Sandbox, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    first = client.views_publish(user_id=ALICE, view=home)["view"]
    second = client.views_publish(user_id=ALICE, view=home)["view"]
    assert first["id"] == second["id"] and sb.slack.views[-1]["user_id"] == ALICE
