"""Every published Slack message shape says something: text, blocks, attachments, files.

The payloads are real ones kept in `tests/fixtures` (origins in SOURCES.md); alert
apps post words only in attachments or blocks, and those words must reach the timeline.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from slack_bolt import BoltContext

from bot.core.spoken import OwnBot, actor_of, blocks_text, is_spoken, marks_of, text_of, thread_of
from bot.listeners.events.marks import mark_request
from bot.listeners.events.messages import _changed, installed_team
from tests import published

NOBODY = OwnBot(user_id="U0BOT", bot_id="B0BOT")


def _event(name: str) -> dict[str, Any]:
    return cast(dict[str, Any], published.read_json(name)["event"])


def _as_posted(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An incoming-webhook body as Slack files it: a bot_message of the app that posted."""
    message = {"type": "message", "subtype": "bot_message", "bot_id": "B0ALERTS", "ts": "1.000100"}
    return {**message, **body, **changes}


# Every message-bearing payload kept, with words that must come out of it.
SAID = [
    ("slack_event_callback_message.channels.bolt_test.json", "Hello World!"),
    ("slack_event_callback_app_mention.bolt_test.json", "Hi there!"),
    ("slack_event_callback_message.bot_profile.bolt_test.json", "Thanks for sharing the info!"),
    ("slack_event_callback_message.classic_bot_message.bolt_test.json", "Hi there!"),
    (
        "slack_event_callback_message.bot_message_attachments_blocks.zulip.json",
        "Task status changed",
    ),
    ("slack_event_callback_message.rich_text_list.zulip.json", "point two"),
]


@pytest.mark.parametrize(("name", "words"), SAID)
def test_every_published_event_message_is_spoken_and_says_its_words(name: str, words: str) -> None:
    event = _event(name)
    assert is_spoken(event, NOBODY)
    assert words in text_of(event)
    assert actor_of(event)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("slack_openapi_conversations.history.200.json", "messages"),
        ("slack_openapi_conversations.replies.200.json", "messages"),
        ("slack_openapi_pins.list.200.json", "items"),
    ],
)
def test_every_published_history_message_says_something(name: str, key: str) -> None:
    entries = published.read_json(name)[key]
    messages = [entry.get("message", entry) for entry in entries]
    assert messages and all(text_of(m).strip() and actor_of(m) for m in messages)


def test_blocks_alone_are_read_rich_text_lists_and_all() -> None:
    listed = _event("slack_event_callback_message.rich_text_list.zulip.json")
    said = text_of({**listed, "text": ""})
    assert said.splitlines() == [
        f"• {item}" for item in ("point one", "point two", "mix both", "pour water", "etc")
    ]

    review = _as_posted(published.read_json("slack_incoming_webhook.blocks.zulip.json"), text="")
    said = text_of(review)
    assert "Danny Torrence left the following review for your property:" in said
    assert "guest in room 237 was far too rowdy" in said
    assert "*Average Rating*\n1.0" in said


def test_attachments_alone_are_read_pretext_title_text_fields_then_fallback() -> None:
    build = _as_posted(published.read_json("slack_incoming_webhook.attachment_fields.zulip.json"))
    said = text_of(build)
    assert said.splitlines()[0] == "Build bla bla succeeded"
    assert "Requested by: Some user" in said and "Duration: 00:02:03" in said
    assert "Title without value" in said and "Value without title" in said
    assert "None" not in said

    alert = published.read_json("slack_message.bot_message_attachments_only.slackduty.json")
    assert alert["text"] == ""
    assert text_of(alert) == "Incident Triggered\nAn incident has been triggered."
    assert is_spoken(alert, NOBODY) and actor_of(alert) == "B52HQJQEM"

    bare = {**alert, "attachments": [{"fallback": "Incident Triggered", "id": 1}]}
    assert text_of(bare) == "Incident Triggered"


def test_attachments_holding_blocks_are_read_and_images_and_buttons_are_not() -> None:
    clickup = _event("slack_event_callback_message.bot_message_attachments_blocks.zulip.json")
    said = text_of({**clickup, "text": "", "blocks": []})
    assert said == "*<https://app.clickup.com/t/25567147/86cw30wf2|asd>*\nin dds To Do"
    assert "View task" not in said and "Status" not in said


def test_apps_are_named_by_profile_username_or_attachment_author() -> None:
    assert actor_of(_event("slack_event_callback_message.classic_bot_message.bolt_test.json")) == (
        "classic-bot"
    )
    assert actor_of(
        _event("slack_event_callback_message.bot_message_attachments_blocks.zulip.json")
    ) == ("ClickUp")
    profiled = _event("slack_event_callback_message.bot_profile.bolt_test.json")
    assert actor_of({k: v for k, v in profiled.items() if k != "user"}) == "other-app"
    authored = {
        "subtype": "bot_message",
        "bot_id": "B1",
        "attachments": [{"author_name": "Datadog"}],
    }
    assert actor_of(authored) == "Datadog"


def test_files_and_odd_shapes_never_crash() -> None:
    assert text_of({"files": [{"title": "grafana.png"}, {"name": "log.txt"}, {}]}) == (
        "Shared grafana.png, log.txt, a file"
    )
    odd: list[dict[str, Any]] = [
        {},
        {"text": None, "blocks": None, "attachments": None, "files": None},
        {"blocks": [None, "x", {"type": "rich_text", "elements": [{"type": "rich_text_section"}]}]},
        {"attachments": [{"fields": [None, {"title": None, "value": None}]}]},
        {"blocks": [{"type": "section", "text": {"type": "plain_text", "text": None}}]},
    ]
    assert [text_of(message) for message in odd] == ["", "", "", "", ""]
    assert blocks_text("not a list") == ""


def test_rich_text_mentions_links_and_emoji_read_as_slack_markup() -> None:
    section = {
        "type": "rich_text_section",
        "elements": [
            {"type": "user", "user_id": "U1"},
            {"type": "text", "text": " see "},
            {"type": "link", "url": "https://status.example.com", "text": "status"},
            {"type": "text", "text": " "},
            {"type": "broadcast", "range": "here"},
            {"type": "emoji", "name": "fire"},
            {"type": "channel", "channel_id": "C1"},
        ],
    }
    said = blocks_text([{"type": "rich_text", "elements": [section]}])
    assert said == "<@U1> see <https://status.example.com|status> <!here>:fire:<#C1>"


def test_a_message_changed_without_inner_ts_is_the_previous_message_edited() -> None:
    event = _event("slack_event_callback_message_changed.no_inner_ts.bolt_test.json")
    assert "ts" not in event["message"]
    changed = _changed(event)
    assert changed["ts"] == event["previous_message"]["ts"] == "1665102338.901939"
    assert text_of(changed) == "updated message" and changed["user"] == "U111"
    assert thread_of(changed) is None


def test_a_slack_connect_reaction_is_filed_under_the_installation_not_the_reactor_org() -> None:
    body = published.read_json("slack_event_callback_reaction_added.shared_channel.bolt_test.json")
    assert body["team_id"] == "T_SOURCE"
    no_context = cast(BoltContext, SimpleNamespace(team_id=None))
    assert installed_team(body, no_context) == "T_INSTALLED"
    bolt_says = cast(BoltContext, SimpleNamespace(team_id="T_INSTALLED"))
    event = dict(body["event"], reaction="pushpin")
    request = mark_request(body, event, "pushpin", installed_team(body, bolt_says))
    assert request is not None and request.team_id == "T_INSTALLED"
    assert request.marked_by == "reaction:W111" and request.ts == "1599529504.000400"


def test_history_marks_are_pins_and_each_key_reactor() -> None:
    message = {
        "ts": "1.0",
        "pinned_to": ["C1"],
        "reactions": [
            {"name": "pushpin", "users": ["U1", "U2"], "count": 2},
            {"name": "pushpin::skin-tone-2", "users": ["U3"], "count": 1},
            {"name": "eyes", "users": ["U4"], "count": 1},
        ],
    }
    assert marks_of(message, "C1", "pushpin") == {
        "pin",
        "reaction:U1",
        "reaction:U2",
        "reaction:U3",
    }
    assert marks_of(message, "C2", "pushpin") == {"reaction:U1", "reaction:U2", "reaction:U3"}
    assert marks_of(message, "C2", "eyes") == {"reaction:U4"}
    assert marks_of({"ts": "1.0", "reactions": None}, "C1", "pushpin") == set()


def test_a_pin_event_marks_on_behalf_of_who_pinned() -> None:
    body = published.read_json("slack_event_callback_message.channels.bolt_test.json")
    item = {"type": "message", "channel": "C1", "created_by": "U2", "message": {"ts": "1.5"}}
    event = {"type": "pin_added", "user": "U2", "channel_id": "C1", "item": item}
    request = mark_request(body, event, "pushpin", "T1")
    assert request is not None and request.marked_by == "pin:U2" and request.ts == "1.5"
    unpinned = {**event, "type": "pin_removed", "user": "U3", "item": {**item, "created_by": None}}
    request = mark_request(body, unpinned, "pushpin", "T1")
    assert request is not None and request.marked_by == "pin:U3" and not request.adding
