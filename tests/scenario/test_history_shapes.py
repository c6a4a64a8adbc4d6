"""What people and alert apps did in the channel before `/postmortem start`, read by the real bot.

Pins and :pushpin: reactions made while firefighting mark key moments; alert apps post
their words only in attachments or blocks. The sandbox keeps `pinned_to`, `reactions`
and app posts on history messages as Slack does; the payloads are published ones
(`tests/fixtures`, SOURCES.md).
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox, payloads
from bot.sandbox.bot_process import running_bot
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from storage.models import TimelineEvent, TimelineMark
from tests import published
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
_ids = itertools.count(1)


def _thread(sandbox: Sandbox) -> list[dict[str, Any]]:
    mine = sandbox.slack.bot_id
    opening = [m for m in sandbox.slack.messages(CHANNEL) if m.get("bot_id") == mine]
    return sandbox.slack.replies(CHANNEL, opening[0]["ts"])[1:] if opening else []


def _gathered(sandbox: Sandbox) -> list[str]:
    return [m["text"] for m in _thread(sandbox) if m["text"].startswith("Timeline gathered")]


def _rows(db: sessionmaker[Session]) -> dict[str, TimelineEvent]:
    with db() as session:
        return {row.source_key.split(":")[1]: row for row in session.scalars(select(TimelineEvent))}


def _marks(db: sessionmaker[Session]) -> set[tuple[str, str]]:
    with db() as session:
        marks = session.scalars(select(TimelineMark))
        return {(mark.source_key.split(":")[1], mark.marked_by) for mark in marks}


def test_marks_made_before_start_are_key_and_alert_apps_words_are_in_the_timeline(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    slack = sandbox.slack
    alert = published.read_json("slack_message.bot_message_attachments_only.slackduty.json")
    paged = slack.post_as_app(
        CHANNEL, {"text": alert["text"], "attachments": alert["attachments"]}, username="PagerDuty"
    )
    review = published.read_json("slack_incoming_webhook.blocks.zulip.json")
    blocks_only = slack.post_as_app(CHANNEL, {"blocks": review["blocks"]}, bot_id="B0REVIEWS")
    build = slack.post_as_app(
        CHANNEL, published.read_json("slack_incoming_webhook.attachment_fields.zulip.json")
    )
    pinned = slack.post_as_user(CHANNEL, ALICE, "checkout 500s since 14:02")
    pushpinned = slack.post_as_user(CHANNEL, BOB, "rolled back 2024.06.1")
    eyed = slack.post_as_user(CHANNEL, ALICE, "is it DNS?")
    slack.pin(CHANNEL, pinned["ts"], BOB)
    slack.add_reaction(CHANNEL, pushpinned["ts"], ALICE, "pushpin")
    slack.add_reaction(CHANNEL, paged["ts"], BOB, "pushpin")
    slack.add_reaction(CHANNEL, eyed["ts"], BOB, "eyes")
    assert paged["text"] == "" and blocks_only["text"] == ""

    driver.slash_command(ALICE, CHANNEL, "start Checkout 500s")
    counts = sandbox.wait_for(lambda: _gathered(sandbox), timeout=20)[0]
    assert "6 messages" in counts

    rows = _rows(bot_db)
    assert rows[pinned["ts"]].is_key and rows[pushpinned["ts"]].is_key and rows[paged["ts"]].is_key
    assert not rows[eyed["ts"]].is_key and not rows[blocks_only["ts"]].is_key
    assert _marks(bot_db) == {
        (pinned["ts"], f"pin:{BOB}"),
        (pushpinned["ts"], f"reaction:{ALICE}"),
        (paged["ts"], f"reaction:{BOB}"),
    }
    assert rows[paged["ts"]].text == "Incident Triggered\nAn incident has been triggered."
    assert rows[paged["ts"]].actor == "PagerDuty"
    assert "Danny Torrence left the following review" in rows[blocks_only["ts"]].text
    assert rows[blocks_only["ts"]].actor == "B0REVIEWS"
    assert "Requested by: Some user" in rows[build["ts"]].text
    assert sandbox.slack.call_count("pins.list") == 1

    driver.slash_command(ALICE, CHANNEL, "timeline")
    content = sandbox.wait_for(lambda: sandbox.slack.files)[0]["content"].decode()
    for words in (
        "Incident Triggered An incident has been triggered.",
        "Danny Torrence left the following review for your property:",
        "Build bla bla succeeded",
        "PagerDuty",
    ):
        assert words in content, words
    reply = next(m["text"] for m in _thread(sandbox) if m["text"].startswith("*Key timeline"))
    assert "checkout 500s since 14:02" in reply and "rolled back 2024.06.1" in reply
    assert "Incident Triggered" in reply and "is it DNS?" not in reply


def _deliver(driver: Driver, sandbox: Sandbox, event: dict[str, Any], **outer: Any) -> int:
    """An event_callback as Slack sends it, with the envelope fields a test overrides."""
    body = payloads.envelope(sandbox.slack, event, f"Ev0SHAPES{next(_ids):04d}")
    body.update(outer)
    return driver.deliver_callback(body).status_code


def test_slack_connect_events_and_an_edit_without_inner_ts_reach_the_timeline(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    """The published shapes (bolt-python's tests): a shared channel's events carry the
    other organisation's `team_id` outside and ours in `authorizations`; a
    `message_changed` may name its message only in `previous_message`."""
    driver.slash_command(ALICE, CHANNEL, "start Checkout 500s")
    sandbox.wait_for(lambda: _gathered(sandbox), timeout=20)
    other_org = {"team_id": "T0PARTNER", "enterprise_id": "E0PARTNER"}

    posted = sandbox.slack.post_as_user(CHANNEL, "W0PARTNER", "partner API is timing out")
    with sandbox.slack.lock:
        event = payloads.message_event(sandbox.slack, CHANNEL, posted)
    assert (
        _deliver(
            driver, sandbox, dict(event, team="T0PARTNER"), **other_org, is_ext_shared_channel=True
        )
        == 200
    )
    row = sandbox.wait_for(lambda: _rows(bot_db).get(posted["ts"]))
    assert row is not None and row.team_id == sandbox.slack.team_id and row.actor == "W0PARTNER"

    published_edit = published.read_json(
        "slack_event_callback_message_changed.no_inner_ts.bolt_test.json"
    )["event"]
    change = sandbox.slack.edit_message(CHANNEL, posted["ts"], "partner API timing out since 14:05")
    inner = {k: v for k, v in change["message"].items() if k != "ts"}  # as published: no ts
    with sandbox.slack.lock:
        edit = payloads.message_changed(
            sandbox.slack, CHANNEL, change["previous"], inner, change["event_ts"]
        )
    assert set(edit) >= set(published_edit) - {"channel_type"} and "ts" not in edit["message"]
    assert _deliver(driver, sandbox, edit) == 200
    sandbox.wait_for(
        lambda: _rows(bot_db)[posted["ts"]].text == "partner API timing out since 14:05"
    )

    sandbox.slack.add_reaction(CHANNEL, posted["ts"], "W0PARTNER", "pushpin")
    reaction = published.read_json(
        "slack_event_callback_reaction_added.shared_channel.bolt_test.json"
    )["event"]
    reaction = dict(
        reaction,
        user="W0PARTNER",
        reaction="pushpin",
        item={"type": "message", "channel": CHANNEL, "ts": posted["ts"]},
    )
    assert _deliver(driver, sandbox, reaction, **other_org, is_ext_shared_channel=True) == 200
    sandbox.wait_for(lambda: _rows(bot_db)[posted["ts"]].is_key)
    assert (posted["ts"], "reaction:W0PARTNER") in _marks(bot_db)


def test_an_alert_posted_live_is_read_the_same_way_as_from_history(
    driver: Driver, sandbox: Sandbox, bot_db: sessionmaker[Session]
) -> None:
    driver.slash_command(ALICE, CHANNEL, "start Checkout 500s")
    sandbox.wait_for(lambda: _gathered(sandbox), timeout=20)
    alert = published.read_json("slack_message.bot_message_attachments_only.slackduty.json")
    body = {"text": alert["text"], "attachments": alert["attachments"]}
    paged = sandbox.slack.post_as_app(CHANNEL, body, username="PagerDuty")
    event = dict(paged, channel=CHANNEL, event_ts=paged["ts"], channel_type="channel")

    assert _deliver(driver, sandbox, event) == 200

    row = sandbox.wait_for(lambda: _rows(bot_db).get(paged["ts"]))
    assert row is not None and row.actor == "PagerDuty"
    assert row.text == "Incident Triggered\nAn incident has been triggered."


def test_a_team_that_marks_with_star_has_its_starred_history_key(
    sandbox: Sandbox, database_url: str
) -> None:
    """KEY_REACTION applies to what the bot reads from history, not only to live marks."""
    starred = sandbox.slack.post_as_user(CHANNEL, ALICE, "failover to eu-west started")
    pushpinned = sandbox.slack.post_as_user(CHANNEL, BOB, "not our marker here")
    sandbox.slack.add_reaction(CHANNEL, starred["ts"], BOB, "star")
    sandbox.slack.add_reaction(CHANNEL, pushpinned["ts"], ALICE, "pushpin")
    with running_bot(sandbox, database_url=database_url, extra_env={"KEY_REACTION": "star"}) as bot:
        driver = Driver(bot.url, bot.signing_secret, sandbox, bot.pagerduty_secret)
        driver.slash_command(ALICE, CHANNEL, "start Failover")
        sandbox.wait_for(lambda: _gathered(sandbox), timeout=20)
        engine = make_engine(bot.database_url)
        rows = _rows(make_sessionmaker(engine))
        engine.dispose()
    assert rows[starred["ts"]].is_key
    assert not rows[pushpinned["ts"]].is_key
