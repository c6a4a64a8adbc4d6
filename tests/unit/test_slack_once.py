"""Posting once across crashes (`bot.flows.slack_once`, and the follow-ups' use of it)
against the in-process sandbox Slack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.flows import followup_delivery, slack_once
from bot.flows.followup_delivery import Outgoing
from bot.flows.slack_once import Stamp
from bot.sandbox import Sandbox
from storage.repositories.followup_claims import Claim, Key

CHANNEL, OTHER = "C0INC", "C0OTHER"
OPENED = Stamp("postmortem_opened", {"postmortem": "7"})


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox(rate_window_seconds=1.0, rate_limits=False).start()
    sandbox.slack.add_user("U0ALICE", "alice")
    sandbox.slack.add_channel(CHANNEL, "inc-checkout", members=("U0ALICE",))
    sandbox.slack.add_channel(OTHER, "elsewhere", members=("U0ALICE",))
    yield sandbox
    sandbox.stop()


@pytest.fixture
def client(sb: Sandbox) -> WebClient:
    return WebClient(base_url=sb.slack_api_url, token=sb.slack.bot_token)


def _bot_posts(sb: Sandbox, channel: str = CHANNEL) -> list[dict]:
    return [m for m in sb.slack.messages(channel) if m.get("bot_id")]


def test_a_first_post_carries_its_stamp_and_a_recovering_one_adopts_it(
    sb: Sandbox, client: WebClient
) -> None:
    first = slack_once.post(client, CHANNEL, OPENED, text="Post-mortem started")
    for n in range(250):  # the channel moved on: the stamped message is on page 2 of 200
        sb.slack.post_as_user(CHANNEL, "U0ALICE", f"update {n}")

    again = slack_once.post(client, CHANNEL, OPENED, text="Post-mortem started", recover=True)

    assert (first.recovered, again.recovered, again.ts) == (False, True, first.ts)
    (posted,) = _bot_posts(sb)
    assert posted["metadata"] == {
        "event_type": "postmortem_opened",
        "event_payload": {"postmortem": "7"},
    }


def test_recovering_posts_when_no_earlier_attempt_reached_slack(
    sb: Sandbox, client: WebClient
) -> None:
    slack_once.post(client, CHANNEL, Stamp("postmortem_opened", {"postmortem": "8"}), text="8")
    slack_once.post(client, OTHER, OPENED, text="the same stamp, another channel")

    sent = slack_once.post(client, CHANNEL, OPENED, text="Post-mortem started", recover=True)

    assert not sent.recovered
    assert [m["text"] for m in _bot_posts(sb)] == ["8", "Post-mortem started"]


def test_a_stamp_is_found_in_a_thread(sb: Sandbox, client: WebClient) -> None:
    root = sb.slack.post_as_user(CHANNEL, "U0ALICE", "the thread")["ts"]
    reply = slack_once.post(client, CHANNEL, OPENED, text="in the thread", thread_ts=root)

    found = slack_once.find(client, CHANNEL, OPENED, thread_ts=root)

    assert found is not None and found["ts"] == reply.ts
    assert slack_once.find(client, CHANNEL, OPENED) is None, "not at the channel's top"


def test_an_unreadable_channel_finds_nothing_and_a_rate_limit_is_raised(
    sb: Sandbox, client: WebClient
) -> None:
    assert slack_once.find(client, "C0NOSUCH", OPENED) is None
    sb.slack.set_rate_limit("conversations.history", 1)
    client.conversations_history(channel=CHANNEL)  # spends the second's one call
    with pytest.raises(SlackApiError) as refused:
        slack_once.find(client, CHANNEL, OPENED)
    assert refused.value.response["error"] == "ratelimited"


def test_from_the_intents_time_a_stamp_under_1200_newer_messages_is_still_found(
    sb: Sandbox, client: WebClient
) -> None:
    intent = datetime.now(UTC)
    first = slack_once.post(client, CHANNEL, OPENED, text="Post-mortem started")
    for n in range(1200):  # a busy channel after the crash: more than the newest 1,000
        sb.slack.post_as_user(CHANNEL, "U0ALICE", f"update {n}")

    assert slack_once.find(client, CHANNEL, OPENED) is None, "beyond the newest pages"
    again = slack_once.post(
        client, CHANNEL, OPENED, text="Post-mortem started", recover=True, since=intent
    )

    assert (again.recovered, again.ts) == (True, first.ts)
    assert len(_bot_posts(sb)) == 1
    asked = [c for c in sb.slack.calls if c.method == "conversations.history"]
    assert float(asked[-1].params["oldest"]) == pytest.approx(
        (intent - slack_once.MARGIN).timestamp()
    )


def test_an_intent_on_a_clock_ahead_still_finds_what_it_posted(
    sb: Sandbox, client: WebClient
) -> None:
    """`remind --at` next Monday claims its reminders at that time: reading the channel
    from then would skip the reminder it posted today, so the newest pages are read."""
    ahead = datetime.now(UTC) + timedelta(days=6)
    first = slack_once.post(client, CHANNEL, OPENED, text="Weekly digest")
    again = slack_once.post(
        client, CHANNEL, OPENED, text="Weekly digest", recover=True, since=ahead
    )

    assert (again.recovered, again.ts) == (True, first.ts)
    assert len(_bot_posts(sb)) == 1
    asked = [c for c in sb.slack.calls if c.method == "conversations.history"]
    assert "oldest" not in asked[-1].params


def test_a_nudge_deep_in_a_long_thread_is_adopted_by_the_attempt_after_a_crash(
    sb: Sandbox,
) -> None:
    root = sb.slack.post_as_user(CHANNEL, "U0ALICE", "Post-mortem thread")
    for n in range(1050):
        sb.slack.post_as_user(CHANNEL, "U0ALICE", f"timeline note {n}", thread_ts=root["ts"])
    client = WebClient(base_url=sb.slack_api_url, token=sb.slack.bot_token)
    nudge = Outgoing(
        text="The report is 3 days late.", blocks=[], channel_id=CHANNEL, thread_ts=root["ts"]
    )
    key = Key("T0ACME", "nudge", "7", "1")
    claimed_at = datetime.now(UTC)

    first = followup_delivery._post(client, CHANNEL, nudge, Claim(1, key, 1, claimed_at))
    # the sender died before confirming; a later tick takes the claim over
    again = followup_delivery._post(client, CHANNEL, nudge, Claim(1, key, 2, claimed_at))

    assert (again.recovered, again.ts) == (True, first.ts)
    posted = [m for m in sb.slack.replies(CHANNEL, root["ts"]) if m.get("bot_id")]
    assert len(posted) == 1
