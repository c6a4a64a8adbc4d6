"""The report and the timeline read as the incident did, through the real `serve`.

PagerDuty's Slack app posts each change the webhook and the REST log report too: the
timeline shows it once, noting both sources. People are the participants, never the
apps. Edited lines and thread replies say so; the Slack key table starts where the
incident did. And every published Slack event and PagerDuty v3 body in
`tests/fixtures` (SOURCES.md) is accepted when signed and sent, and its words reach the
timeline, with no traceback in the bot's log.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import time
from typing import Any

from bot.sandbox import Sandbox, payloads
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import SLACK_PATH, Driver
from tests import published
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
KEYED = "C0KEYED"
CHECKOUT = "Q3B15VLMF3ASBD"  # the zulip fixtures' incident (escalated, delegated, …)
CREATED = 1_775_008_800  # 2026-04-01 02:00 UTC, before that incident
MD_ROW = re.compile(r"^\| (\d{4}-\d\d-\d\d \d\d:\d\d) \| (.*) \| ([A-Za-z +]+) \| (.*) \|$")
_ids = itertools.count(1)


def _ts(iso_minute: str, seconds: int = 0) -> str:
    moment = time.strptime(iso_minute, "%Y-%m-%dT%H:%M")
    return f"{int(time.mktime(moment) - time.timezone) + seconds}.000100"


def _opening(sandbox: Sandbox, channel: str) -> dict[str, Any] | None:
    mine = sandbox.slack.bot_id
    return next((m for m in sandbox.slack.messages(channel) if m.get("bot_id") == mine), None)


def _thread(sandbox: Sandbox, channel: str) -> list[dict[str, Any]]:
    opening = _opening(sandbox, channel)
    return sandbox.slack.replies(channel, opening["ts"])[1:] if opening else []


def _gathered(sandbox: Sandbox, channel: str) -> list[str]:
    return [m["text"] for m in _thread(sandbox, channel) if m["text"].startswith("Timeline")]


def _start(driver: Driver, sandbox: Sandbox, channel: str, text: str) -> None:
    driver.slash_command(ALICE, channel, f"start {text}")
    sandbox.wait_for(lambda: _gathered(sandbox, channel), timeout=30)


def _timeline_file(driver: Driver, sandbox: Sandbox, channel: str) -> str:
    """`/postmortem timeline` in `channel`: the timeline.md it uploads."""
    before = len([f for f in sandbox.slack.files if channel in f["channels"]])
    driver.slash_command(ALICE, channel, "timeline")
    mine = sandbox.wait_for(
        lambda: [f for f in sandbox.slack.files if channel in f["channels"]][before:], timeout=20
    )
    return mine[0]["content"].decode()


def _rows(content: str) -> list[tuple[str, str, str, str]]:
    return [m.groups() for line in content.splitlines() if (m := MD_ROW.match(line))]


def _unescaped(markdown: str) -> str:
    """timeline.md's words without CommonMark's backslash escapes ("Hello World\\!")."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _no_traceback(bot: BotProcess) -> None:
    log = bot.log()
    assert "Traceback" not in log, log[-4000:]


# --- PagerDuty's Slack app and the webhook of the same change --------------------------


def test_pagerduty_app_posts_and_the_webhook_and_log_of_the_same_change_appear_once(
    driver: Driver, sandbox: Sandbox, bot: BotProcess
) -> None:
    slack, pagerduty = sandbox.slack, sandbox.pagerduty
    slack.add_channel("C0PAGED", "inc-checkout-latency", members=(ALICE, BOB), created=CREATED)
    pagerduty.add_incident(
        CHECKOUT, title="Critical: Checkout API High Latency", created_at="2026-04-01T02:07:30Z"
    )
    for kind, at in (
        ("trigger_log_entry", "2026-04-01T02:07:30Z"),
        ("escalate_log_entry", "2026-04-01T02:08:04Z"),
        ("resolve_log_entry", "2026-04-01T02:40:10Z"),
    ):
        pagerduty.add_log_entry(CHECKOUT, {"type": kind, "created_at": at})
    escalated = published.read_bytes("pagerduty_v3_incident.escalated.zulip.json")
    assert driver.pagerduty_webhook(escalated).status_code == 200

    # PagerDuty's app posts each change as it happens; the trigger in the published
    # attachments-only shape, the others as its text names them.
    alert = published.read_json("slack_message.bot_message_attachments_only.slackduty.json")
    app = {"username": "PagerDuty", "bot_id": "B0PAGERDUTY"}
    slack.post_as_app(
        "C0PAGED", {"text": "", "attachments": alert["attachments"]}, **app,
        ts=_ts("2026-04-01T02:07", 40),
    )  # fmt: skip
    slack.post_as_app(
        "C0PAGED", {"text": "Escalated: Incident #5 Critical: Checkout API High Latency"},
        **app, ts=_ts("2026-04-01T02:08", 25),
    )  # fmt: skip
    link = f"<https://harsh0303.pagerduty.com/incidents/{CHECKOUT}|#5>"
    slack.post_as_app(
        "C0PAGED", {"text": f"Resolved: Incident {link} Critical: Checkout API High Latency"},
        **app, ts=_ts("2026-04-01T02:40", 30),
    )  # fmt: skip
    slack.post_as_user(
        "C0PAGED", BOB, "it escalated before I could ack", ts=_ts("2026-04-01T02:09")
    )

    _start(driver, sandbox, "C0PAGED", f"{CHECKOUT} Checkout latency")
    rows = _rows(_timeline_file(driver, sandbox, "C0PAGED"))

    events = [row[1].strip("*") for row in rows]
    assert len([e for e in events if "scalat" in e.lower()]) == 2, events  # PagerDuty's, Bob's
    assert [row[2] for row in rows if row[1].strip("*").startswith("Escalated")] == [
        "PagerDuty + Slack"
    ], rows
    assert len([row for row in rows if "esolve" in row[1]]) == 1, rows
    assert len([row for row in rows if "rigger" in row[1]]) == 1, rows
    assert not [row for row in rows if row[2] == "Slack" and row[3] == "PagerDuty"], rows
    assert ("2026-04-01 02:09", "it escalated before I could ack", "Slack", "Bob Diaz") in rows
    _no_traceback(bot)


# --- the report's people, markers and the Slack key table ------------------------------


def test_the_key_table_starts_where_the_incident_did_and_edits_and_replies_are_marked(
    driver: Driver, sandbox: Sandbox, bot: BotProcess
) -> None:
    """45 moments marked :pushpin: while firefighting; one edited, one a thread reply; an
    app posting in the channel. The Slack table keeps the first 40 in order, the file all."""
    slack = sandbox.slack
    base = int(time.time()) - 3 * 3600
    slack.add_channel(KEYED, "inc-checkout-steps", members=(ALICE, BOB), created=base - 60)
    posted = []
    for n in range(45):
        who = ALICE if n % 2 else BOB
        message = slack.post_as_user(
            KEYED, who, f"step {n:02d} of the fix", ts=f"{base + 60 * n}.000100"
        )
        slack.add_reaction(KEYED, message["ts"], ALICE, "pushpin")
        posted.append(message)
    slack.edit_message(KEYED, posted[3]["ts"], "step 03 of the fix, corrected")
    reply = slack.post_as_user(
        KEYED, BOB, "replica lag confirmed", thread_ts=posted[5]["ts"], ts=f"{base + 330}.000100"
    )
    slack.add_reaction(KEYED, reply["ts"], ALICE, "pushpin")
    bridge = published.read_json("slack_event_callback_message.bot_profile_and_user.zulip.json")
    slack.post_as_app(KEYED, {"blocks": bridge["event"]["blocks"]}, username="export-bot")

    _start(driver, sandbox, KEYED, "Checkout 500s")
    content = _timeline_file(driver, sandbox, KEYED)
    table = sandbox.wait_for(
        lambda: next(
            (m["text"] for m in _thread(sandbox, KEYED) if "Key timeline" in m["text"]), None
        )
    )

    lines = [line for line in table.splitlines() if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d ", line)]
    assert len(lines) == 40
    assert "step 00 of the fix" in lines[0] and "step 38 of the fix" in lines[-1], lines[-1]
    assert "step 44" not in table and "…and 6 later; every line is in timeline.md" in table
    assert "step 03 of the fix, corrected (edited)" in table
    assert "↳ in thread: replica lag confirmed" in table
    events = [row[1].strip("*") for row in _rows(content)]
    assert "step 44 of the fix" in events and "↳ in thread: replica lag confirmed" in events

    driver.slash_command(ALICE, KEYED, "publish")
    report = sandbox.wait_for(
        lambda: [f for f in sandbox.slack.files if f["content"].startswith(b"# Post-mortem")],
        timeout=20,
    )[0]["content"].decode()
    participants = next(line for line in report.splitlines() if "**Participants:**" in line)
    assert "Bob Diaz" in participants, participants
    assert "export-bot" not in participants and "PagerDuty" not in participants
    _no_traceback(bot)


# --- every published payload, signed and sent ------------------------------------------

SLACK_EVENTS = {
    "slack_event_callback_message.channels.bolt_test.json": "Hello World!",
    "slack_event_callback_message.bot_profile.bolt_test.json": "Hi there! Thanks for sharing",
    "slack_event_callback_message.classic_bot_message.bolt_test.json": "Hi there! Thanks for",
    "slack_event_callback_message.bot_message_attachments_blocks.zulip.json": "Task status changed",
    "slack_event_callback_message.rich_text_list.zulip.json": "point one",
    "slack_event_callback_message.rich_text_quote.zulip.json": "This is a quote",
    "slack_event_callback_message.bot_profile_and_user.zulip.json": "koo",
    "slack_event_callback_message_changed.no_inner_ts.bolt_test.json": "updated message",
    "slack_event_callback_app_mention.bolt_test.json": None,
    "slack_event_callback_reaction_added.python-slack-events-api.json": None,
    "slack_event_callback_reaction_added.shared_channel.bolt_test.json": None,
}
# incident -> (its sandbox title, the bodies, the words each puts in the timeline)
PAGERDUTY = {
    "Q2CKYRLH85UNN4": ("Test", {
        "pagerduty_v3_incident.triggered.aldaviva.body.json": "Incident triggered: Test",
        "pagerduty_v3_incident.acknowledged.aldaviva.body.json": "Acknowledged by Ben",
        "pagerduty_v3_incident.annotated.aldaviva.body.json": "Resolution Note: I'm resolving it",
        "pagerduty_v3_incident.resolved.aldaviva.body.json": "Resolved by Ben",
    }),
    "PGR0VU2": ("A little bump in the road", {
        "pagerduty_v3_incident.priority_updated.go-pagerduty.body.json": "Priority changed to",
    }),
    CHECKOUT: ("Critical: Checkout API High Latency", {
        "pagerduty_v3_incident.escalated.zulip.json": "Escalated to Harsh Santwani",
        "pagerduty_v3_incident.delegated.zulip.json": "Delegated to APIs-ep by Harsh Santwani",
        "pagerduty_v3_incident.status_update_published.zulip.json": "Status update: Investigating",
        "pagerduty_v3_incident.responder.added.zulip.json": "Responder requested: Harsh Santwani",
        "pagerduty_v3_incident.service_updated.zulip.json": "Moved to service APIs",
    }),
    "Q05XJA8GDXGOB3": ("Test Incident 2", {
        "pagerduty_v3_incident.reopened.zulip.json": "Incident reopened by Harsh Santwani",
    }),
    "PIQUG8X": ("Test Incident", {
        "pagerduty_v3_incident.reassigned.zulip.json": "Reassigned to Test User by PIG 208",
    }),
    "PQ1K5C8": ("Test Incident", {
        "pagerduty_v3_incident.unacknowledged.zulip.json": "Unacknowledged by PIG 208",
    }),
}  # fmt: skip
LOG_ENTRIES = "pagerduty_rest_incident_log_entries.api-schema_example.json"
# Its `created_at` and `incident` are left out; the sandbox's log gives every entry both.
WEB_TRIGGER = "pagerduty_rest_log_entry.web_trigger.go-pagerduty.json"


def _as_ours(name: str, sandbox: Sandbox, channel: str) -> bytes:
    """A published event_callback delivered to this workspace's channel: only the routing
    (team, app, token, authorizations, channel, event id) is ours, the event as published."""
    body = copy.deepcopy(published.read_json(name))
    ours = payloads.envelope(sandbox.slack, {}, f"Ev0PUBLISHED{next(_ids):04d}")
    routing = ("token", "team_id", "api_app_id", "event_id", "event_time", "authorizations")
    body.update({key: ours[key] for key in routing})
    event = body["event"]
    if "channel" in event:
        event["channel"] = channel
    if isinstance(event.get("item"), dict) and "channel" in event["item"]:
        event["item"]["channel"] = channel
    return json.dumps(body).encode()


def test_every_published_payload_is_accepted_signed_and_its_words_reach_the_timeline(
    driver: Driver, sandbox: Sandbox, bot: BotProcess
) -> None:
    challenge = published.read_bytes("slack_url_verification.python-slack-events-api.json")
    answer = driver.signed_post(SLACK_PATH, challenge, "application/json")
    assert answer.status_code == 200
    assert json.loads(challenge)["challenge"] in answer.text

    _start(driver, sandbox, CHANNEL, "Published shapes")
    for name in SLACK_EVENTS:
        sent = driver.signed_post(SLACK_PATH, _as_ours(name, sandbox, CHANNEL), "application/json")
        assert sent.status_code == 200, (name, sent.status_code, sent.text)
    expected = [words for words in SLACK_EVENTS.values() if words]
    content = _timeline_file(driver, sandbox, CHANNEL)
    for _ in range(20):  # the events are processed from the inbox, after their 200
        if all(words in _unescaped(content) for words in expected):
            break
        time.sleep(0.5)
        content = _timeline_file(driver, sandbox, CHANNEL)
    for words in expected:
        assert words in _unescaped(content), words

    ping = published.read_bytes("pagerduty_v3_pagey.ping.aldaviva.body.json")
    assert driver.pagerduty_webhook(ping).status_code == 200
    log = [*published.read_json(LOG_ENTRIES)["log_entries"], published.read_json(WEB_TRIGGER)]
    incidents = {**PAGERDUTY, "PT4KHLK": ("Log entries", {})}
    for number, (incident, (title, bodies)) in enumerate(incidents.items()):
        channel = f"C0PUB{number:04d}"
        sandbox.slack.add_channel(channel, f"inc-published-{number}", members=(ALICE, BOB))
        sandbox.pagerduty.add_incident(incident, title=title)
        for entry in log if incident == "PT4KHLK" else ():
            sandbox.pagerduty.add_log_entry(incident, entry)
        for name in bodies:
            answer = driver.pagerduty_webhook(published.read_bytes(name))
            assert answer.status_code == 200, (name, answer.status_code, answer.text)
        _start(driver, sandbox, channel, f"{incident} {title}")
        content = _timeline_file(driver, sandbox, channel)
        words = list(bodies.values()) or [entry["summary"] for entry in log]
        events = [row[1].strip("*") for row in _rows(_unescaped(content))]
        for said in words:
            assert [event for event in events if said in event], (said, events)
    _no_traceback(bot)
