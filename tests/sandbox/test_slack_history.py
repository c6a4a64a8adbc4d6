"""conversations.history / replies through a real slack_sdk WebClient."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import Sandbox
from tests.sandbox.conftest import ALICE, BOB, INCIDENT


def _post_many(sb: Sandbox, count: int, start: int = 1_700_000_000) -> list[str]:
    return [
        sb.slack.post_as_user(INCIDENT, ALICE, f"m{i}", ts=f"{start + i}.000100")["ts"]
        for i in range(count)
    ]


def test_history_pages_with_cursor_and_honours_limit(sb: Sandbox, client: WebClient) -> None:
    posted = _post_many(sb, 250)

    pages = [page.data for page in client.conversations_history(channel=INCIDENT, limit=100)]

    assert [len(page["messages"]) for page in pages] == [100, 100, 50]
    assert [page["has_more"] for page in pages] == [True, True, False]
    assert "response_metadata" not in pages[-1]
    seen = [m["ts"] for page in pages for m in page["messages"]]
    assert seen == list(reversed(posted)), "newest first, every message exactly once"
    assert sb.slack.call_count("conversations.history") == 3


def test_history_limit_defaults_to_100_and_is_capped_at_999(sb: Sandbox, client: WebClient) -> None:
    _post_many(sb, 1200)

    assert len(client.conversations_history(channel=INCIDENT)["messages"]) == 100
    assert len(client.conversations_history(channel=INCIDENT, limit=5000)["messages"]) == 999


def test_history_window_respects_oldest_latest_and_inclusive(
    sb: Sandbox, client: WebClient
) -> None:
    ts = _post_many(sb, 10)

    exclusive = client.conversations_history(channel=INCIDENT, oldest=ts[2], latest=ts[6])
    inclusive = client.conversations_history(
        channel=INCIDENT, oldest=ts[2], latest=ts[6], inclusive=True
    )

    assert [m["ts"] for m in exclusive["messages"]] == [ts[5], ts[4], ts[3]]
    assert [m["ts"] for m in inclusive["messages"]] == [ts[6], ts[5], ts[4], ts[3], ts[2]]
    assert exclusive["has_more"] is False


def test_history_window_pages_stay_inside_the_window(sb: Sandbox, client: WebClient) -> None:
    ts = _post_many(sb, 30)

    pages = [p.data for p in client.conversations_history(channel=INCIDENT, oldest=ts[4], limit=10)]

    assert [m["ts"] for p in pages for m in p["messages"]] == list(reversed(ts[5:]))


def test_a_cursor_the_sandbox_did_not_issue_is_invalid(sb: Sandbox, client: WebClient) -> None:
    _post_many(sb, 3)
    for cursor in ("not-base64!", "dXNlcjpVMDYxTkZUVDI="):  # the second is a members cursor
        with pytest.raises(SlackApiError) as caught:
            client.conversations_history(channel=INCIDENT, cursor=cursor)
        assert caught.value.response["error"] == "invalid_cursor"


def test_thread_parents_carry_reply_metadata_and_replies_stay_out_of_history(
    sb: Sandbox, client: WebClient
) -> None:
    parent = sb.slack.post_as_user(INCIDENT, ALICE, "what happened?")
    sb.slack.post_as_user(INCIDENT, BOB, "deploy", thread_ts=parent["ts"])
    last = sb.slack.post_as_user(INCIDENT, ALICE, "thanks", thread_ts=parent["ts"])

    messages = client.conversations_history(channel=INCIDENT)["messages"]

    assert len(messages) == 1
    top = messages[0]
    assert top["thread_ts"] == parent["ts"] and top["reply_count"] == 2
    assert top["reply_users"] == [BOB, ALICE] and top["reply_users_count"] == 2
    assert top["latest_reply"] == last["ts"]


def test_replies_list_the_parent_first_then_replies_oldest_first(
    sb: Sandbox, client: WebClient
) -> None:
    parent = sb.slack.post_as_user(INCIDENT, ALICE, "root")
    replies = [
        sb.slack.post_as_user(INCIDENT, BOB, f"r{i}", thread_ts=parent["ts"]) for i in range(5)
    ]

    answer = client.conversations_replies(channel=INCIDENT, ts=parent["ts"])
    via_reply = client.conversations_replies(channel=INCIDENT, ts=replies[2]["ts"])

    expected = [parent["ts"], *(r["ts"] for r in replies)]
    assert [m["ts"] for m in answer["messages"]] == expected
    assert [m["ts"] for m in via_reply["messages"]] == expected
    assert all(m["thread_ts"] == parent["ts"] for m in answer["messages"])
    assert all(m["parent_user_id"] == ALICE for m in answer["messages"][1:])


def test_replies_page_with_a_cursor_and_the_parent_comes_once(
    sb: Sandbox, client: WebClient
) -> None:
    parent = sb.slack.post_as_user(INCIDENT, ALICE, "root")
    replies = [
        sb.slack.post_as_user(INCIDENT, BOB, f"r{i}", thread_ts=parent["ts"]) for i in range(7)
    ]

    pages = [
        p.data for p in client.conversations_replies(channel=INCIDENT, ts=parent["ts"], limit=3)
    ]

    assert [len(p["messages"]) for p in pages] == [3, 3, 2]
    assert [m["ts"] for p in pages for m in p["messages"]] == [
        parent["ts"],
        *(r["ts"] for r in replies),
    ]


def test_replies_of_an_unknown_message_is_thread_not_found(sb: Sandbox, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.conversations_replies(channel=INCIDENT, ts="1700000000.000001")
    assert caught.value.response["error"] == "thread_not_found"


def test_a_lone_message_is_its_own_one_message_thread(sb: Sandbox, client: WebClient) -> None:
    lone = sb.slack.post_as_user(INCIDENT, ALICE, "just me")
    answer = client.conversations_replies(channel=INCIDENT, ts=lone["ts"])
    assert [m["text"] for m in answer["messages"]] == ["just me"]
    assert "reply_count" not in answer["messages"][0]


def test_edits_carry_edited_and_a_deleted_parent_leaves_a_tombstone(
    sb: Sandbox, client: WebClient
) -> None:
    parent = sb.slack.post_as_user(INCIDENT, ALICE, "root cause: Bob")
    sb.slack.post_as_user(INCIDENT, BOB, "reply", thread_ts=parent["ts"])
    plain = sb.slack.post_as_user(INCIDENT, BOB, "oops")

    sb.slack.edit_message(INCIDENT, parent["ts"], "root cause: a config push")
    edited = client.conversations_history(channel=INCIDENT)["messages"][-1]
    sb.slack.delete_message(INCIDENT, parent["ts"])
    sb.slack.delete_message(INCIDENT, plain["ts"])
    after = client.conversations_history(channel=INCIDENT)["messages"]

    assert edited["text"] == "root cause: a config push"
    assert edited["edited"]["user"] == ALICE and float(edited["edited"]["ts"]) > float(parent["ts"])
    assert [m.get("subtype") for m in after] == ["tombstone"]
    assert after[0]["reply_count"] == 1


def test_timestamps_are_unique_and_increase_per_channel(sb: Sandbox, client: WebClient) -> None:
    stamps = [sb.slack.post_as_user(INCIDENT, ALICE, "x")["ts"] for _ in range(200)]
    stamps += [client.chat_postMessage(channel=INCIDENT, text="y")["ts"] for _ in range(20)]

    assert len(set(stamps)) == len(stamps)
    assert stamps == sorted(stamps, key=float)
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)
    with pytest.raises(ValueError, match="already has a message"):
        sb.slack.post_as_user(INCIDENT, ALICE, "dup", ts=stamps[0])


def test_history_needs_the_bot_in_the_channel(sb: Sandbox, client: WebClient) -> None:
    sb.slack.add_channel("C0PUBLIC", "random", members=(ALICE,), bot_is_member=False)
    sb.slack.add_channel(
        "C0SECRET", "secret", members=(ALICE,), is_private=True, bot_is_member=False
    )

    for channel, error in (
        ("C0PUBLIC", "not_in_channel"),
        ("C0SECRET", "channel_not_found"),
        ("C0NOPE", "channel_not_found"),
    ):
        with pytest.raises(SlackApiError) as caught:
            client.conversations_history(channel=channel)
        assert caught.value.response["error"] == error
