"""The other Web API methods the bot calls: shapes and error names as Slack's."""

from __future__ import annotations

import json

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import Sandbox
from tests.sandbox.conftest import ALICE, BOB, CARMEN, INCIDENT, web_client


def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return caught.value.response["error"]


def test_only_the_bot_token_is_accepted(sb: Sandbox) -> None:
    assert web_client(sb).auth_test()["user_id"] == sb.slack.bot_user_id
    assert _error(web_client(sb, token="xoxb-wrong").auth_test) == "invalid_auth"
    raw = httpx.post(f"{sb.slack_api_url}auth.test").json()
    assert raw == {"ok": False, "error": "not_authed"}
    assert [c.error for c in sb.slack.calls] == [None, "invalid_auth", "not_authed"]


def test_token_may_come_as_a_form_field_or_bearer_with_a_json_body(sb: Sandbox) -> None:
    form = httpx.post(f"{sb.slack_api_url}auth.test", data={"token": sb.slack.bot_token})
    as_json = httpx.post(
        f"{sb.slack_api_url}chat.postMessage",
        json={"channel": INCIDENT, "text": "hi", "blocks": [{"type": "divider"}]},
        headers={"Authorization": f"Bearer {sb.slack.bot_token}"},
    )
    assert form.json()["ok"] is True
    assert as_json.json()["message"]["blocks"] == [{"type": "divider"}]
    assert "token" not in sb.slack.calls[0].params


def test_bot_posts_are_stored_with_bot_id_and_seen_by_history(
    sb: Sandbox, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Timeline*"}}]
    posted = client.chat_postMessage(channel=INCIDENT, text="Timeline", blocks=blocks)

    latest = client.conversations_history(channel=INCIDENT, limit=1)["messages"][0]

    assert posted["channel"] == INCIDENT and posted["ts"] == latest["ts"]
    assert latest["bot_id"] == sb.slack.bot_id and latest["user"] == sb.slack.bot_user_id
    assert latest["blocks"] == blocks
    assert sb.slack.messages(INCIDENT)[-1]["text"] == "Timeline"
    assert sb.slack.calls[-2].params["blocks"] == blocks, "slack_sdk posts this one as JSON"


def test_blocks_may_arrive_json_encoded_inside_a_form(sb: Sandbox) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Impact*"}}]
    form = {"token": sb.slack.bot_token, "channel": INCIDENT, "blocks": json.dumps(blocks)}

    answer = httpx.post(f"{sb.slack_api_url}chat.postMessage", data=form).json()

    assert answer["ok"] is True and answer["message"]["blocks"] == blocks
    assert answer["message"]["text"] == ""
    bad = httpx.post(f"{sb.slack_api_url}chat.postMessage", data=dict(form, blocks="[nope")).json()
    assert bad == {"ok": False, "error": "invalid_blocks"}


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_posting_needs_text_a_known_channel_membership_and_a_real_thread(
    sb: Sandbox, client: WebClient
) -> None:
    sb.slack.add_channel("C0OUT", "outside", members=(ALICE,), bot_is_member=False)

    assert _error(lambda: client.chat_postMessage(channel=INCIDENT, text="")) == "no_text"
    assert (
        _error(lambda: client.chat_postMessage(channel="C0NONE", text="x")) == "channel_not_found"
    )
    assert _error(lambda: client.chat_postMessage(channel="C0OUT", text="x")) == "not_in_channel"
    assert (
        _error(lambda: client.chat_postMessage(channel=INCIDENT, text="x", thread_ts="1.000001"))
        == "thread_not_found"
    )
    assert sb.slack.messages(INCIDENT) == []


def test_posting_to_a_user_id_lands_in_their_dm(sb: Sandbox, client: WebClient) -> None:
    opened = client.conversations_open(users=ALICE)
    again = client.conversations_open(users=ALICE)
    posted = client.chat_postMessage(channel=ALICE, text="your action item is due")

    dm = sb.slack.dm_channel(ALICE)
    assert opened["channel"]["id"] == dm == posted["channel"] and dm.startswith("D")
    assert again["already_open"] is True
    assert [m["text"] for m in sb.slack.messages(dm)] == ["your action item is due"]
    assert client.conversations_info(channel=dm)["channel"]["is_im"] is True


def test_reply_broadcast_shows_in_the_thread_and_in_the_channel(
    sb: Sandbox, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel=INCIDENT, text="post-mortem started")
    client.chat_postMessage(
        channel=INCIDENT, text="report ready", thread_ts=parent["ts"], reply_broadcast=True
    )

    assert [m["text"] for m in sb.slack.replies(INCIDENT, parent["ts"])] == [
        "post-mortem started",
        "report ready",
    ]
    assert sb.slack.messages(INCIDENT)[-1]["subtype"] == "thread_broadcast"


def test_chat_update_edits_only_the_bots_own_messages(sb: Sandbox, client: WebClient) -> None:
    mine = client.chat_postMessage(channel=INCIDENT, text="draft", blocks=[{"type": "divider"}])
    theirs = sb.slack.post_as_user(INCIDENT, ALICE, "mine")

    updated = client.chat_update(channel=INCIDENT, ts=mine["ts"], text="final", blocks=[])

    assert updated["text"] == "final" and "blocks" not in updated["message"]
    assert updated["message"]["edited"]["user"] == sb.slack.bot_user_id
    assert sb.slack.message(INCIDENT, mine["ts"])["text"] == "final"
    assert (
        _error(lambda: client.chat_update(channel=INCIDENT, ts=theirs["ts"], text="x"))
        == "cant_update_message"
    )
    assert (
        _error(lambda: client.chat_update(channel=INCIDENT, ts="1.000001", text="x"))
        == "message_not_found"
    )


def test_ephemeral_messages_are_recorded_not_stored(sb: Sandbox, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel=INCIDENT, user=ALICE, text="only you")

    assert answer["message_ts"]
    assert sb.slack.ephemerals[0]["user"] == ALICE
    assert sb.slack.ephemerals[0]["text"] == "only you"
    assert sb.slack.messages(INCIDENT) == []
    assert (
        _error(lambda: client.chat_postEphemeral(channel=INCIDENT, user=CARMEN, text="x"))
        == "user_not_in_channel"
    )
    assert (
        _error(lambda: client.chat_postEphemeral(channel=INCIDENT, user="U0GHOST", text="x"))
        == "user_not_found"
    )


def test_permalinks_point_at_the_message_or_into_its_thread(sb: Sandbox, client: WebClient) -> None:
    parent = sb.slack.post_as_user(INCIDENT, ALICE, "root", ts="1700000000.000100")
    reply = sb.slack.post_as_user(
        INCIDENT, BOB, "reply", thread_ts=parent["ts"], ts="1700000001.000200"
    )

    top = client.chat_getPermalink(channel=INCIDENT, message_ts=parent["ts"])["permalink"]
    nested = client.chat_getPermalink(channel=INCIDENT, message_ts=reply["ts"])["permalink"]

    assert top == f"https://sandbox.slack.com/archives/{INCIDENT}/p1700000000000100"
    assert nested.endswith(f"p1700000001000200?thread_ts={parent['ts']}&cid={INCIDENT}")
    assert (
        _error(lambda: client.chat_getPermalink(channel=INCIDENT, message_ts="1.1"))
        == "message_not_found"
    )


def test_reactions_and_pins_read_back_as_slack_lists_them(sb: Sandbox, client: WebClient) -> None:
    message = sb.slack.post_as_user(INCIDENT, ALICE, "we rolled back at 14:02")
    sb.slack.add_reaction(INCIDENT, message["ts"], ALICE, "eyes")
    sb.slack.add_reaction(INCIDENT, message["ts"], BOB, "eyes")
    sb.slack.add_reaction(INCIDENT, message["ts"], BOB, "white_check_mark")
    sb.slack.remove_reaction(INCIDENT, message["ts"], BOB, "white_check_mark")
    sb.slack.pin(INCIDENT, message["ts"], BOB)

    reactions = client.reactions_get(channel=INCIDENT, timestamp=message["ts"])
    pins = client.pins_list(channel=INCIDENT)
    history = client.conversations_history(channel=INCIDENT)

    assert reactions["type"] == "message"
    assert reactions["message"]["reactions"] == [
        {"name": "eyes", "users": [ALICE, BOB], "count": 2}
    ]
    assert pins["items"][0]["created_by"] == BOB and pins["items"][0]["type"] == "message"
    assert pins["items"][0]["message"]["pinned_to"] == [INCIDENT]
    assert pins["items"][0]["message"]["permalink"].startswith("https://sandbox.slack.com/")
    assert history["pin_count"] == 1
    sb.slack.unpin(INCIDENT, message["ts"], BOB)
    assert client.pins_list(channel=INCIDENT)["items"] == []


def test_users_info_carries_timezone_and_offset(sb: Sandbox, client: WebClient) -> None:
    alice = client.users_info(user=ALICE)["user"]
    carmen = client.users_info(user=CARMEN)["user"]

    assert alice["tz"] == "America/Los_Angeles" and alice["tz_offset"] in (-28800, -25200)
    assert alice["real_name"] == "Alice Chen" and alice["profile"]["real_name"] == "Alice Chen"
    assert carmen["tz_offset"] == 9 * 3600 and carmen["is_bot"] is False
    assert client.users_info(user=sb.slack.bot_user_id)["user"]["is_bot"] is True
    assert _error(lambda: client.users_info(user="U0GHOST")) == "user_not_found"
    with pytest.raises(KeyError):
        sb.slack.add_user("U0BAD", "bad", tz="Mars/Olympus")


def test_conversation_info_and_members_page_like_slack(sb: Sandbox, client: WebClient) -> None:
    people = [f"U0P{i:03d}" for i in range(25)]
    for person in people:
        sb.slack.add_user(person, person.lower())
    sb.slack.add_channel("C0BIG", "big-incident", members=people, created=1700000000)

    info = client.conversations_info(channel="C0BIG", include_num_members=True)["channel"]
    pages = [p.data for p in client.conversations_members(channel="C0BIG", limit=10)]

    assert info["name"] == "big-incident" and info["is_member"] is True
    assert info["created"] == 1700000000 and info["num_members"] == 26
    assert [len(p["members"]) for p in pages] == [10, 10, 6]
    assert [m for p in pages for m in p["members"]] == [*people, sb.slack.bot_user_id]
    assert pages[-1]["response_metadata"]["next_cursor"] == ""


def test_a_private_channel_the_bot_is_not_in_is_invisible(sb: Sandbox, client: WebClient) -> None:
    sb.slack.add_channel("C0PRIV", "hush", is_private=True, members=(ALICE,), bot_is_member=False)
    assert _error(lambda: client.conversations_info(channel="C0PRIV")) == "channel_not_found"
    assert _error(lambda: client.conversations_members(channel="C0PRIV")) == "channel_not_found"


def test_unknown_methods_and_bad_json_are_refused(sb: Sandbox) -> None:
    headers = {"Authorization": f"Bearer {sb.slack.bot_token}", "Content-Type": "application/json"}
    unknown = httpx.post(f"{sb.slack_api_url}no.such", headers=headers, content=b"{}")
    broken = httpx.post(f"{sb.slack_api_url}auth.test", headers=headers, content=b"{nope")
    assert unknown.json()["error"] == "unknown_method"
    assert broken.json() == {"ok": False, "error": "invalid_json"}
