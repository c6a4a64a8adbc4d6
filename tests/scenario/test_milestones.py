"""The incident's own clock against the real bot: PagerDuty's events, people's settings, the nudge.

The incident of these tests happened 26 hours before `/postmortem start`: PagerDuty's
webhooks carry their own times, 26 hours in the past, signed as PagerDuty signs them;
`postmortem-bot remind --at` runs the nudge job as of a time the test chooses.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import Driver
from storage.models import Milestone, Postmortem, TimelineEvent
from tests import published
from tests.followup_seed import dms, remind
from tests.scenario.conftest import INCIDENT_CHANNEL

ALICE, BOB = "U0ALICE", "U0BOB"
INCIDENT = "PMILESTONE1"
ALERTS = "B0ALERTS"
# The night of the incident, to the second as PagerDuty stamps it, 26 hours ago.
IMPACT = (datetime.now(UTC) - timedelta(hours=26)).replace(second=0, microsecond=0)
TRIGGERED = IMPACT + timedelta(minutes=3, seconds=20)
ACKNOWLEDGED = IMPACT + timedelta(minutes=7)
RESOLVED = IMPACT + timedelta(hours=1, minutes=26)


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _webhook(event_type: str, occurred_at: datetime) -> bytes:
    """A published PagerDuty v3 body, moved to this incident and this time."""
    name = event_type.removeprefix("incident.")
    body = published.read_json(f"pagerduty_v3_incident.{name}.aldaviva.body.json")
    event = body["event"]
    event["id"] = uuid.uuid4().hex.upper()[:26]
    event["occurred_at"] = occurred_at.isoformat().replace("+00:00", "Z")
    event["data"]["id"] = INCIDENT
    event["data"]["created_at"] = TRIGGERED.isoformat().replace("+00:00", "Z")
    return json.dumps(body).encode()


def _page(driver: Driver, event_type: str, occurred_at: datetime) -> None:
    response = driver.pagerduty_webhook(_webhook(event_type, occurred_at))
    assert response.status_code in (200, 202), response.text


def _ours(message: dict[str, Any]) -> bool:
    """The bot's own message (Datadog's post carries a bot id too)."""
    return bool(message.get("bot_id")) and message.get("bot_id") != ALERTS


def _start(sandbox: Sandbox, driver: Driver, text: str) -> None:
    driver.slash_command(ALICE, INCIDENT_CHANNEL, f"start {text}")
    sandbox.wait_for(lambda: [m for m in sandbox.slack.messages(INCIDENT_CHANNEL) if _ours(m)])


def _answer(sandbox: Sandbox, user: str, containing: str) -> str:
    def found() -> list[str]:
        texts = [r["body"].get("text") or "" for r in sandbox.slack.responses]
        return [t for t in texts if containing in t]

    return sandbox.wait_for(found)[-1]


def _gathered(sandbox: Sandbox) -> None:
    def found() -> list[str]:
        opening = [m for m in sandbox.slack.messages(INCIDENT_CHANNEL) if _ours(m)]
        replies = sandbox.slack.replies(INCIDENT_CHANNEL, opening[0]["ts"])[1:] if opening else []
        return [m["text"] for m in replies if m["text"].startswith("Timeline gathered")]

    sandbox.wait_for(found, timeout=30)


def _threads(sandbox: Sandbox) -> list[list[dict[str, Any]]]:
    opening = [m for m in sandbox.slack.messages(INCIDENT_CHANNEL) if _ours(m)]
    return [sandbox.slack.replies(INCIDENT_CHANNEL, m["ts"])[1:] for m in opening]


def _postmortem(db: sessionmaker[Session]) -> Postmortem:
    with db() as session:
        query = select(Postmortem).where(Postmortem.channel_id == INCIDENT_CHANNEL)
        return session.scalars(query).one()


def _timeline_reply(sandbox: Sandbox, after: int) -> str:
    def found() -> list[str]:
        opening = next(m for m in sandbox.slack.messages(INCIDENT_CHANNEL) if _ours(m))
        replies = sandbox.slack.replies(INCIDENT_CHANNEL, opening["ts"])[1:]
        texts = [m["text"] for m in replies if "*Durations*" in m.get("text", "")]
        return texts[after:]

    return sandbox.wait_for(found)[-1]


def _pd_milestones(sandbox: Sandbox, driver: Driver, db: sessionmaker[Session]) -> None:
    """The incident exists in PagerDuty; `start` links it; its events arrive by webhook."""
    sandbox.pagerduty.add_incident(INCIDENT, title="Checkout errors", created_at=TRIGGERED)
    # Its REST log has the same happenings: each is one line with its webhook twin.
    for kind, moment in (("trigger", TRIGGERED), ("acknowledge", ACKNOWLEDGED)):
        entry = {"type": f"{kind}_log_entry", "created_at": moment.isoformat()}
        sandbox.pagerduty.add_log_entry(INCIDENT, entry)
    _start(sandbox, driver, f"{INCIDENT} Checkout errors")
    # Once linked: on PostgreSQL a webhook racing the link can be kept but not filed
    # (seen 1 in 5 runs; reported, not this test's subject).
    _gathered(sandbox)
    _page(driver, "incident.triggered", TRIGGERED)
    _page(driver, "incident.acknowledged", ACKNOWLEDGED)
    _page(driver, "incident.resolved", RESOLVED)
    _filed(sandbox, db, 3)


def _filed(sandbox: Sandbox, db: sessionmaker[Session], count: int) -> None:
    """Until `count` PagerDuty lines are in the timeline: webhooks are filed after their 2xx."""

    def found() -> bool:
        with db() as session:
            query = select(TimelineEvent).where(TimelineEvent.source == "pagerduty")
            return len(list(session.scalars(query))) >= count

    sandbox.wait_for(found, timeout=20)


def test_a_postmortem_started_26_hours_late_counts_from_the_incidents_own_clock(
    sandbox: Sandbox, driver: Driver, bot: BotProcess, bot_db: sessionmaker[Session]
) -> None:
    # Bob pinned his rollback message while firefighting; the morning brings chatter.
    mitigated = IMPACT + timedelta(minutes=47)
    rollback = sandbox.slack.post_as_user(
        INCIDENT_CHANNEL, BOB, "Rolled back 2026.11.3; error rate mitigated",
        ts=f"{mitigated.timestamp():.6f}",
    )  # fmt: skip
    sandbox.slack.pin(INCIDENT_CHANNEL, rollback["ts"], BOB)
    morning = IMPACT + timedelta(hours=10)
    sandbox.slack.post_as_user(
        INCIDENT_CHANNEL, ALICE, "morning all, reading back", ts=f"{morning.timestamp():.6f}"
    )
    _pd_milestones(sandbox, driver, bot_db)
    # Alice types her own clock (Berlin), a day later: that night's, not this evening's.
    berlin = IMPACT.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
    driver.slash_command(ALICE, INCIDENT_CHANNEL, f"milestone started {berlin}")
    told = _answer(sandbox, ALICE, "*Impact started* set.")
    assert f"*Impact started*: {_utc(IMPACT)}" in told and "set by a person" in told
    assert f"*Detected*: {_utc(TRIGGERED)}" in told and "— PagerDuty" in told
    assert "*Resolved*: " + _utc(RESOLVED) in told

    pm = _postmortem(bot_db)
    assert pm.incident_start == IMPACT and pm.incident_end == RESOLVED, "the window, not `start`"

    driver.slash_command(ALICE, INCIDENT_CHANNEL, "timeline")
    durations = _timeline_reply(sandbox, 0)
    assert "TTD 3 min" in durations and "TTA 4 min" in durations, durations
    assert "TTR 1 h 26 min" in durations
    assert "TTM 47 min" in durations, "from the message Bob pinned during the incident"

    driver.slash_command(ALICE, INCIDENT_CHANNEL, "report")
    preview = sandbox.wait_for(
        lambda: [json.dumps(r["body"].get("blocks"), ensure_ascii=False)
                 for r in sandbox.slack.responses
                 if "*Duration*" in json.dumps(r["body"].get("blocks"))]
    )[-1]  # fmt: skip
    window = f"{IMPACT.strftime('%Y-%m-%d %H:%M')}\u2013{RESOLVED.strftime('%H:%M')} UTC"
    assert f"{window} (1 h 26 min)" in preview, "not stretched to the morning's chatter"

    # 48 hours after the resolve, not after `/postmortem start` (that would be 74 h on).
    remind(sandbox, bot.database_url, RESOLVED + timedelta(hours=47))
    assert [m for m in dms(sandbox, ALICE) if "not published" in m["text"]] == []
    remind(sandbox, bot.database_url, RESOLVED + timedelta(hours=49))
    nudges = [m for m in dms(sandbox, ALICE) if "not published" in m["text"]]
    assert len(nudges) == 1, "nudged 49 h after the incident ended"
    assert "49 hours ago" in json.dumps(nudges[0]["blocks"])


def test_without_pagerduty_the_milestones_come_from_the_command_and_the_modal(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    # Datadog's post (attachments only) is the first sign in the channel, 26 hours ago.
    alert = published.read_json("slack_incoming_webhook.attachment_fields.zulip.json")
    alerted = IMPACT + timedelta(minutes=3)
    sandbox.slack.post_as_app(
        INCIDENT_CHANNEL, alert, bot_id=ALERTS, username="Datadog", ts=f"{alerted.timestamp():.6f}"
    )
    _start(sandbox, driver, f'--since "{_utc(IMPACT - timedelta(minutes=10))}" Checkout errors')
    _gathered(sandbox)
    driver.slash_command(ALICE, INCIDENT_CHANNEL, "milestone detected")
    assert "When was the incident detected?" in _answer(sandbox, ALICE, "When was the incident")
    driver.slash_command(ALICE, INCIDENT_CHANNEL, "milestone fixed 22:43")
    assert "`fixed` is not a milestone" in _answer(sandbox, ALICE, "is not a milestone")

    driver.slash_command(ALICE, INCIDENT_CHANNEL, f"milestone started {_utc(IMPACT)}")
    told = _answer(sandbox, ALICE, "*Impact started* set.")
    assert f"*Detected*: {_utc(alerted)}" in told and "— an alert bot's message" in told
    mitigated = IMPACT + timedelta(minutes=47)
    driver.slash_command(ALICE, INCIDENT_CHANNEL, f"milestone mitigated {_utc(mitigated)}")
    _answer(sandbox, ALICE, "*Mitigated* set.")
    # Alice is in Berlin: the modal shows and reads her times there.
    berlin = IMPACT.astimezone(ZoneInfo("Europe/Berlin"))
    opened = driver.slash_command(ALICE, INCIDENT_CHANNEL, "milestone")
    assert opened.status_code == 200
    view = sandbox.wait_for(lambda: [v for v in sandbox.slack.views if v["method"] == "views.open"])
    modal = view[-1]["view"]
    hints = json.dumps(modal["blocks"])
    assert "Europe/Berlin" in hints and "set by a person" in hints
    assert "Unknown: nothing in the data says" in hints

    detected = (berlin + timedelta(minutes=3)).strftime("%Y-%m-%d %H:%M")
    resolved = (berlin + timedelta(hours=1, minutes=26)).strftime("%Y-%m-%d %H:%M")
    values: dict[str, Any] = {
        f"milestone-{name}": {"at": {"type": "plain_text_input", "value": value}}
        for name, value in (("detected", detected), ("resolved", "tomorrow-ish"))
    }
    refused = driver.view_submission(ALICE, modal, values)
    assert refused.json()["response_action"] == "errors"
    assert "milestone-resolved" in refused.json()["errors"]
    values["milestone-resolved"]["at"]["value"] = resolved
    saved = driver.view_submission(ALICE, modal, values)
    assert saved.status_code == 200 and not saved.content

    pm = _postmortem(bot_db)
    assert pm.incident_start == IMPACT
    assert pm.incident_end == IMPACT + timedelta(hours=1, minutes=26)
    driver.slash_command(ALICE, INCIDENT_CHANNEL, "report here")
    files = sandbox.wait_for(
        lambda: [f for f in sandbox.slack.files if f["filename"].startswith("preview-")]
    )
    document = files[-1]["content"].decode()
    posted = json.dumps([m.get("blocks") for m in sandbox.slack.messages(INCIDENT_CHANNEL)])
    posted += json.dumps([m.get("blocks") for t in _threads(sandbox) for m in t])
    assert (
        f"*Milestones* Impact started {IMPACT.strftime('%Y-%m-%d %H:%M')} (set by a person)"
        in posted
    )
    assert "(an alert bot's message)" in posted and "Acknowledged unknown" in posted
    assert "Time to detect 3 min · to acknowledge unknown — set `acknowledged`" in document
    assert "to mitigate 47 min · to resolve 1 h 26 min." in document
    end = (IMPACT + timedelta(hours=1, minutes=26)).strftime("%H:%M")
    assert f"{IMPACT.strftime('%Y-%m-%d %H:%M')}–{end} UTC" in document, "the window"


def test_a_persons_correction_survives_a_later_pagerduty_event(
    sandbox: Sandbox, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    _pd_milestones(sandbox, driver, bot_db)
    corrected = RESOLVED - timedelta(minutes=20)  # the pager was resolved late
    driver.slash_command(BOB, INCIDENT_CHANNEL, f"milestone resolved {_utc(corrected)}")
    _answer(sandbox, BOB, "*Resolved* set.")

    _page(driver, "incident.resolved", RESOLVED + timedelta(minutes=30))  # resolved again
    _filed(sandbox, bot_db, 4)
    driver.slash_command(BOB, INCIDENT_CHANNEL, "milestone acknowledged confirm")
    told = _answer(sandbox, BOB, "*Acknowledged* confirmed.")
    assert f"*Resolved*: {_utc(corrected)}" in told and "set by a person" in told
    assert "PagerDuty, confirmed" in told

    with bot_db() as session:
        rows = {row.name: row for row in session.scalars(select(Milestone))}
    assert rows["resolved"].occurred_at == corrected and rows["resolved"].set_by == BOB
    assert rows["acknowledged"].origin == "pagerduty"
    assert _postmortem(bot_db).incident_end == corrected
