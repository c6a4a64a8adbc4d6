"""The sandbox's `/_sandbox/` routes against a small real Bolt app (see conftest's `bolt`).

A slash command posts a message with a button, the button opens a modal, and
submitting the modal posts what was filled in: each step through `Control`, the
way `postmortem-bot sandbox slash|click|submit` reach it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.sandbox import Sandbox
from bot.sandbox.control import PREFIX, Control
from bot.sandbox.wire import Request
from tests.sandbox.conftest import INCIDENT, LocalApp

KINDS = [
    {"text": {"type": "plain_text", "text": "Process"}, "value": "process"},
    {"text": {"type": "plain_text", "text": "Tooling"}, "value": "tooling"},
]
FORM = {
    "type": "modal",
    "callback_id": "form",
    "title": {"type": "plain_text", "text": "Factors"},
    "blocks": [
        {
            "type": "input",
            "block_id": "why_block",
            "label": {"type": "plain_text", "text": "Why?"},
            "element": {"type": "plain_text_input", "action_id": "why"},
        },
        {
            "type": "input",
            "block_id": "kind_block",
            "label": {"type": "plain_text", "text": "Kind"},
            "element": {
                "type": "static_select",
                "action_id": "kind",
                "options": KINDS,
                "initial_option": {
                    "text": {"type": "plain_text", "text": "Process"},
                    "value": "process",
                },
            },
        },
    ],
}


def button_message(value: str) -> list[dict[str, Any]]:
    button = {"type": "button", "action_id": "open_form", "value": value}
    button["text"] = {"type": "plain_text", "text": "Add factors"}
    select = {"type": "static_select", "action_id": "kind_pick", "options": KINDS}
    select["placeholder"] = {"type": "plain_text", "text": "Change the kind"}
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Started* {value}"}},
        {"type": "actions", "block_id": "controls", "elements": [button, select]},
    ]


@pytest.fixture
def control(sb: Sandbox, bolt: tuple[App, LocalApp]) -> Control:
    app, server = bolt

    @app.command("/postmortem")
    def command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack(f"on it, {body['user_name']}")
        for value in ("PM-1", "PM-2"):
            client.chat_postMessage(
                channel=body["channel_id"], text="Started", blocks=button_message(value)
            )

    @app.action("open_form")
    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=FORM)
        client.chat_postMessage(channel=INCIDENT, text=f"form for {body['actions'][0]['value']}")

    @app.action("kind_pick")
    def kind_pick(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        chosen = body["actions"][0]["selected_option"]["value"]
        client.chat_postMessage(channel=INCIDENT, text=f"kind={chosen}")

    @app.view("form")
    def submitted(ack: Ack, view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        why = values["why_block"]["why"]["value"]
        if not why:
            ack(response_action="errors", errors={"why_block": "say why"})
            return
        ack()
        kind = values["kind_block"]["kind"]["selected_option"]["value"]
        client.chat_postMessage(channel=INCIDENT, text=f"why={why} kind={kind}")

    return Control(sb, server.url, channel=INCIDENT, settle=0.3, patience=5.0)


def ask(control: Control, route: str, **body: Any) -> tuple[int, dict[str, Any]]:
    headers = {"content-type": "application/json"}
    request = Request("POST", PREFIX + route, "", headers, json.dumps(body).encode())
    response = control(request)
    return response.status, json.loads(response.body)


def texts(answer: dict[str, Any]) -> list[str]:
    return [item["text"] for item in answer["said"]]


def test_a_slash_command_reports_the_private_answer_and_the_bots_messages(
    control: Control,
) -> None:
    status, answer = ask(
        control, "slash", text="/postmortem start Checkout errors", **{"as": "bob"}
    )

    assert status == 200, answer
    assert answer["done"]["text"] == "/postmortem start Checkout errors"
    assert answer["said"][0]["private_to"] == "bob"
    assert texts(answer) == ["on it, bob", "*Started* PM-1", "*Started* PM-2"]
    assert answer["said"][1]["controls"] == [
        {
            "action_id": "open_form",
            "type": "button",
            "label": "Add factors",
            "value": "PM-1",
            "options": "",
            "block_id": "controls",
        },
        {
            "action_id": "kind_pick",
            "type": "static_select",
            "label": "Change the kind",
            "value": "",
            "options": "Process,Tooling",
            "block_id": "controls",
        },
    ]


def test_click_chooses_in_a_select_by_value_or_by_its_text(control: Control) -> None:
    ask(control, "slash", text="start", **{"as": "alice"})

    _, by_value = ask(control, "click", action_id="kind_pick", value="tooling", **{"as": "bob"})
    _, by_text = ask(control, "click", action_id="kind_pick", value="Process", **{"as": "bob"})
    _, unknown = ask(control, "click", action_id="kind_pick", value="luck", **{"as": "bob"})
    _, missing = ask(control, "click", action_id="kind_pick", **{"as": "bob"})

    assert by_value["done"]["text"] == "chose tooling in [Change the kind]"
    assert texts(by_value) == ["kind=tooling"] and texts(by_text) == ["kind=process"]
    assert "kind_pick has no option 'luck'; its options: Process; Tooling" in unknown["error"]
    assert "missing value" in missing["error"]


def test_click_presses_the_newest_button_or_the_one_with_the_value_and_submit_fills_the_modal(
    control: Control,
) -> None:
    ask(control, "slash", text="start", **{"as": "alice"})

    status, newest = ask(control, "click", action_id="open_form", **{"as": "alice"})
    _, chosen = ask(control, "click", action_id="open_form", value="PM-1", **{"as": "alice"})
    _, refused = ask(control, "submit", values={"kind": "tooling"}, **{"as": "alice"})
    _, submitted = ask(control, "submit", values={"why": "no alert", "kind": "Tooling"}, as_="x")

    assert status == 200
    assert "form for PM-2" in texts(newest) and "form for PM-1" in texts(chosen)
    assert [item.get("modal") for item in newest["said"]] == [None, "Factors"]
    assert newest["said"][1]["text"].splitlines() == [
        "why (plain_text_input) “Why?”",
        "kind (static_select: Process,Tooling) “Kind”",
    ]
    assert "the modal stays open: why_block: say why" in texts(refused)
    assert submitted["ok"] is False and "say who acts" in submitted["error"]
    _, submitted = ask(control, "submit", values={"why": "no alert"}, **{"as": "alice"})
    assert "why=no alert kind=process" in texts(submitted)


@pytest.mark.parametrize(
    ("route", "body", "error"),
    [
        ("say", {"as": "zoe", "text": "hi"}, "no person 'zoe' in the sandbox; try alice, bob"),
        ("say", {"as": "alice"}, "missing text"),
        ("click", {"as": "alice", "action_id": "open_form"}, "no button 'open_form'"),
        ("react", {"as": "bob", "ts": "1.000001", "name": "pushpin"}, "no message 1.000001"),
        ("show", {"channel": "#nowhere"}, "no channel '#nowhere' in the sandbox; try #inc-"),
        ("submit", {"as": "alice"}, "the bot has opened no modal"),
        ("fly", {}, "no sandbox command 'fly'"),
    ],
)
def test_what_cannot_be_done_is_one_line(
    control: Control, route: str, body: dict[str, Any], error: str
) -> None:
    status, answer = ask(control, route, **body)

    assert status in (400, 404) and answer["ok"] is False
    assert error in answer["error"] and "\n" not in answer["error"]


def test_show_lists_a_persons_dm_and_a_thread(sb: Sandbox, control: Control) -> None:
    parent = sb.slack.post_as_user(INCIDENT, "U0ALICE", "parent")
    sb.slack.post_as_user(INCIDENT, "U0BOB", "a reply", thread_ts=parent["ts"])

    _, channel = ask(control, "show")
    _, thread = ask(control, "show", thread=parent["ts"])
    _, dm = ask(control, "show", channel="bob")

    assert [(m["who"], m["text"], m["replies"]) for m in channel["messages"]] == [
        ("alice", "parent", 1)
    ]
    assert [m["text"] for m in thread["messages"]] == ["parent", "a reply"]
    assert dm["channel"] == sb.slack.dm_id("U0BOB") and dm["messages"] == []
