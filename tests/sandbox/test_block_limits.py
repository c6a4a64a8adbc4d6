"""The sandbox refuses over-limit payloads as real Slack does, and keeps a record of each."""

from __future__ import annotations

import json

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import Sandbox
from tests.sandbox.conftest import ALICE, INCIDENT


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _refused(call: object) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()  # type: ignore[operator]
    return str(refused.value.response["error"])


def test_a_section_of_3000_characters_posts_and_one_more_is_invalid_blocks(
    sb: Sandbox, client: WebClient
) -> None:
    client.chat_postMessage(channel=INCIDENT, text="ok", blocks=[_section("a" * 3000)])

    error = _refused(
        lambda: client.chat_postMessage(channel=INCIDENT, text="x", blocks=[_section("a" * 3001)])
    )

    assert error == "invalid_blocks"
    (refusal,) = sb.slack.refusals
    assert refusal["method"] == "chat.postMessage"
    assert refusal["reasons"] == ["blocks[0].text is 3001 characters (at most 3000)"]
    assert len(sb.slack.messages(INCIDENT)) == 1  # nothing of the refused one was kept


def test_51_blocks_a_long_header_button_or_option_are_each_refused(
    sb: Sandbox, client: WebClient
) -> None:
    button = {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "b" * 76}}
    option = {"text": {"type": "plain_text", "text": "o" * 76}, "value": "v"}
    select = {"type": "static_select", "action_id": "s", "options": [option]}
    payloads = [
        [_section("x")] * 51,
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        [{"type": "actions", "elements": [button]}],
        [{"type": "actions", "elements": [select]}],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
    ]
    for blocks in payloads:
        post = lambda b=blocks: client.chat_postMessage(channel=INCIDENT, text="x", blocks=b)  # noqa: E731
        assert _refused(post) == "invalid_blocks"

    assert [len(r["reasons"]) for r in sb.slack.refusals] == [1, 1, 1, 1, 1]


def test_text_over_40000_characters_is_msg_too_long_also_on_update(
    sb: Sandbox, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=INCIDENT, text="short")

    assert _refused(lambda: client.chat_postMessage(channel=INCIDENT, text="t" * 40_001)) == (
        "msg_too_long"
    )
    update = lambda: client.chat_update(channel=INCIDENT, ts=posted["ts"], text="t" * 40_001)  # noqa: E731
    assert _refused(update) == "msg_too_long"
    ephemeral = lambda: client.chat_postEphemeral(  # noqa: E731
        channel=INCIDENT, user=ALICE, text="x", blocks=[_section("a" * 3001)]
    )
    assert _refused(ephemeral) == "invalid_blocks"
    assert [r["method"] for r in sb.slack.refusals] == [
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
    ]
    assert sb.slack.message(INCIDENT, posted["ts"])["text"] == "short"


def test_a_view_over_its_limits_is_invalid_arguments(sb: Sandbox, client: WebClient) -> None:
    trigger = sb.slack.new_trigger_id()
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "A title longer than 24 chars"},
        "blocks": [_section("x")] * 101,
    }

    assert _refused(lambda: client.views_open(trigger_id=trigger, view=view)) == (
        "invalid_arguments"
    )
    (refusal,) = sb.refusals()
    assert refusal["method"] == "views.open" and len(refusal["reasons"]) == 2


def test_a_response_url_refuses_an_over_limit_answer_with_400(sb: Sandbox) -> None:
    url = sb.slack.new_response_url({"kind": "command", "channel_id": INCIDENT, "user_id": ALICE})
    body = {"text": "x", "blocks": [_section("a" * 3001)], "response_type": "ephemeral"}

    answer = httpx.post(url, content=json.dumps(body))

    assert (answer.status_code, answer.text) == (400, "invalid_blocks")
    assert [r["method"] for r in sb.refusals()] == ["response_url"]
