"""What a channel message costs its ack (bot.listeners.events.messages).

The bot is in many channels and sees every message there. Only a message of a
channel with a post-mortem open is written before the ack (into its timeline), and
only an answer in an interview thread leaves work in the inbox for after the ack.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.config import Settings
from bot.http import slack_bodies
from bot.http.slack_requests import VerifiedRequest
from bot.sandbox import Sandbox
from bot.sandbox.payloads import envelope, message_event
from storage.models import InboxItem, Postmortem, TimelineEvent
from storage.repositories import workspaces

WATCHED, ELSEWHERE, ALICE = "C0INC", "C0GENERAL", "U0ALICE"
OPENING = "1700000000.000100"
JSON = "application/json"
event_ids = itertools.count()


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(rate_limits=False) as sandbox:
        sandbox.slack.add_user(ALICE, "alice")
        sandbox.slack.add_channel(WATCHED, "inc-checkout", members=(ALICE,))
        sandbox.slack.add_channel(ELSEWHERE, "general", members=(ALICE,))
        yield sandbox


@pytest.fixture
def bot(sb: Sandbox, sessions: sessionmaker[Session]) -> Any:
    with sessions.begin() as session:
        workspaces.ensure(session, sb.slack.team_id)
        session.add(
            Postmortem(
                team_id=sb.slack.team_id,
                channel_id=WATCHED,
                title="Checkout 500s",
                lead_user_id=ALICE,
                created_by=ALICE,
                thread_ts=OPENING,
            )
        )
    settings = Settings(
        slack_bot_token=sb.slack.bot_token,
        slack_signing_secret="secret",
        slack_api_url=sb.slack_api_url,
    )
    return build_app(settings, sessions=sessions)


def _says(sb: Sandbox, channel: str, text: str, **message: Any) -> VerifiedRequest:
    n = next(event_ids)
    message = {"user": ALICE, "text": text, "ts": f"1700000100.{n:06d}", **message}
    body = envelope(sb.slack, message_event(sb.slack, channel, message), f"Ev{n:06d}")
    raw = json.dumps(body)
    headers = {"content-type": JSON}
    return VerifiedRequest(
        body=slack_bodies.parse(raw.encode(), JSON), raw_body=raw, headers=headers
    )


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_message_where_no_post_mortem_is_open_writes_nothing(
    sb: Sandbox, bot: Any, sessions: sessionmaker[Session]
) -> None:
    response = bot.dispatch(_says(sb, ELSEWHERE, "lunch at noon?"))

    assert response.status == 200
    assert (_count(sessions, TimelineEvent), _count(sessions, InboxItem)) == (0, 0)


def test_a_watched_channels_message_is_in_the_timeline_before_the_ack_with_no_work_after(
    sb: Sandbox, bot: Any, sessions: sessionmaker[Session]
) -> None:
    response = bot.dispatch(_says(sb, WATCHED, "Rolled back deploy 2024.06.1"))

    assert response.status == 200
    with sessions() as session:
        assert list(session.scalars(select(TimelineEvent.text))) == ["Rolled back deploy 2024.06.1"]
    assert _count(sessions, InboxItem) == 0


def test_an_interview_answer_is_left_to_the_inbox_and_not_put_in_the_timeline(
    sb: Sandbox, bot: Any, sessions: sessionmaker[Session]
) -> None:
    answer = _says(sb, WATCHED, "Checkout returned 5xx for 17 minutes", thread_ts=OPENING)

    assert bot.dispatch(answer).status == 200

    with sessions() as session:
        (item,) = session.scalars(select(InboxItem))
    assert item.handler == "on_thread_message" and item.status == "pending"
    assert _count(sessions, TimelineEvent) == 0


def test_the_bots_own_message_in_the_interview_thread_leaves_no_work(
    sb: Sandbox, bot: Any, sessions: sessionmaker[Session]
) -> None:
    bot_user = sb.slack.bot_user_id
    question = _says(sb, WATCHED, "*Impact.* Who was affected?", thread_ts=OPENING, user=bot_user)

    assert bot.dispatch(question).status == 200
    assert (_count(sessions, TimelineEvent), _count(sessions, InboxItem)) == (0, 0)
