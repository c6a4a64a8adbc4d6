"""The timeline view, key marks, PagerDuty links and manual lines, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.core.milestones import Name
from bot.core.spoken import OwnBot
from bot.core.timeline import MITIGATED, RESOLVED, TRIGGER, GapKind
from bot.flows import incident_log
from bot.flows.incident_access import VisibleIncident
from bot.pagerduty.client import PagerDutyClient
from bot.pagerduty.webhook import parse_webhook
from bot.sandbox import Sandbox
from bot.services import incidents, manual_entries, marks, pagerduty_events, postmortems
from bot.services import timeline as timeline_service
from bot.services.backfill import message_row
from bot.services.marks import MarkRequest
from storage.repositories import timeline

TEAM, CHANNEL, ALICE, BOB = "T0SANDBOX", "C0INC", "U0ALICE", "U0BOB"
INCIDENT = "Q2CKYRLH85UNN4"  # the incident of the Aldaviva webhook fixtures
OWN = OwnBot(user_id="U0BOT", bot_id="B0BOT")
NOW = datetime(2025, 4, 7, 4, 0, tzinfo=UTC)
BODIES = (
    "pagerduty_v3_incident.triggered.aldaviva.body.json",
    "pagerduty_v3_incident.acknowledged.aldaviva.body.json",
    "pagerduty_v3_incident.annotated.aldaviva.body.json",
    "pagerduty_v3_incident.resolved.aldaviva.body.json",
)


@pytest.fixture
def postmortem_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session,
            team_id=TEAM,
            channel_id=CHANNEL,
            user_id=ALICE,
            title="Checkout 500s",
            now=datetime(2025, 4, 7, 4, 0, tzinfo=UTC),
        )
        return postmortem.id


@pytest.fixture
def pd_sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_window_seconds=1.0, rate_limits=False) as sandbox:
        sandbox.pagerduty.add_incident(INCIDENT, title="Test", created_at="2025-04-07T03:47:13Z")
        for kind, at in (("trigger_log_entry", "03:47:13"), ("acknowledge_log_entry", "03:47:14")):
            sandbox.pagerduty.add_log_entry(
                INCIDENT, {"type": kind, "created_at": f"2025-04-07T{at}Z"}
            )
        sandbox.pagerduty.add_log_entry(
            INCIDENT, {"type": "escalate_log_entry", "created_at": "2025-04-07T03:48:00Z"}
        )
        yield sandbox


def _receive_webhooks(sessions: sessionmaker[Session], fixtures: Path) -> None:
    for name in BODIES:
        body = (fixtures / name).read_bytes()
        with sessions.begin() as session:
            pagerduty_events.record(
                session, parse_webhook(body), json.loads(body), single_workspace=True, now=NOW
            )


def _slack(sessions: sessionmaker[Session], postmortem_id: int, ts: str, text: str) -> None:
    message = {"type": "message", "user": BOB, "ts": ts, "text": text}
    with sessions.begin() as session:
        timeline.add_unless_exists(session, message_row(TEAM, postmortem_id, CHANNEL, message))


def test_linking_files_kept_webhooks_and_the_log_as_one_ordered_timeline(
    sessions: sessionmaker[Session], postmortem_id: int, fixtures: Path, pd_sandbox: Sandbox
) -> None:
    _receive_webhooks(sessions, fixtures)  # before any post-mortem links the incident
    _slack(sessions, postmortem_id, "1743997500.000100", "rolled back, mitigated")  # 03:45
    with sessions.begin() as session:
        linked = incidents.link(session, postmortem_id, INCIDENT, single_workspace=True)
    with PagerDutyClient(pd_sandbox.pagerduty_api_url, pd_sandbox.pagerduty.token) as client:
        log = incident_log.backfill_log(
            sessions, client, postmortem_id, VisibleIncident(TEAM, INCIDENT)
        )

    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)

    assert (linked.attached, log.read, log.added, log.gap) == (4, 3, 3, None)
    times = [entry.occurred_at for entry in view.entries]
    assert times == sorted(times)
    kinds = [entry.kind for entry in view.entries if entry.source == "pagerduty"]
    assert kinds == [TRIGGER, "acknowledged", "escalated", RESOLVED, "note"], (
        "a webhook and a log entry for the same happening are one line"
    )
    assert view.gaps == ()
    assert view.durations.to_acknowledge == timedelta(milliseconds=132)
    assert [e.kind for e in view.key_entries] == [TRIGGER, "acknowledged", RESOLVED]


def test_without_a_token_or_with_an_unknown_incident_the_gap_says_so(
    sessions: sessionmaker[Session], postmortem_id: int, pd_sandbox: Sandbox
) -> None:
    with sessions.begin() as session:
        incidents.link(session, postmortem_id, "PNOSUCH1", single_workspace=True)
    nosuch = VisibleIncident(TEAM, "PNOSUCH1")
    unconfigured = incident_log.backfill_log(sessions, None, postmortem_id, nosuch)
    with PagerDutyClient(pd_sandbox.pagerduty_api_url, pd_sandbox.pagerduty.token) as client:
        missing = incident_log.backfill_log(sessions, client, postmortem_id, nosuch)

    with sessions() as session:
        kinds = [gap.kind for gap in timeline_service.view(session, postmortem_id).gaps]
    assert unconfigured.gap is not None and missing.gap is not None
    assert kinds == [GapKind.BACKFILL_CUT_SHORT], (
        "a later call with a token clears 'not configured'"
    )
    assert "PNOSUCH1" in missing.gap.describe()


def test_a_message_stays_key_while_any_mark_is_left(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    ts = "1743997500.000100"
    message = {"type": "message", "user": BOB, "ts": ts, "text": "found it: bad config"}

    def mark(marked_by: str, adding: bool) -> bool:
        request = MarkRequest(TEAM, CHANNEL, ts, marked_by, adding)
        with sessions.begin() as session:
            assert marks.needs_message(session, request) is (adding and marked_by == "pin")
            return marks.apply(session, request, message, OWN)

    def is_key() -> bool:
        with sessions() as session:
            row = timeline.get_by_key(session, postmortem_id, "slack", f"{CHANNEL}:{ts}")
            return row is not None and row.is_key

    assert mark("pin", True) and is_key(), "an unknown message is filed when marked"
    assert not mark(f"reaction:{ALICE}", True)
    assert not mark("pin", False) and is_key(), "Alice's reaction still marks it"
    assert mark(f"reaction:{ALICE}", False) and not is_key()


def test_marks_in_an_unwatched_channel_or_on_the_bots_own_messages_change_nothing(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    elsewhere = MarkRequest(TEAM, "C0OTHER", "1743997500.000100", "pin", True)
    own = MarkRequest(TEAM, CHANNEL, "1743997600.000100", "pin", True)
    prompt = {"type": "message", "user": "U0BOT", "bot_id": "B0BOT", "ts": own.ts, "text": "Hi"}
    with sessions.begin() as session:
        assert marks.needs_message(session, elsewhere) is None
        assert not marks.apply(session, own, prompt, OWN)
        assert timeline.count_for(session, postmortem_id) == 0


def test_manual_lines_are_key_and_name_mitigation_and_resolution(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    at = datetime(2025, 4, 7, 3, 50, tzinfo=UTC)
    lines = ["error rate normal, mitigated", "not yet resolved", "incident resolved", "paged"]
    with sessions.begin() as session:
        rows = [
            manual_entries.add(
                session,
                team_id=TEAM,
                channel_id=CHANNEL,
                user_id=ALICE,
                occurred_at=at + timedelta(minutes=i),
                text=text,
                entry_id=f"trigger-{i}",
            )
            for i, text in enumerate(lines)
        ]
        again = manual_entries.add(
            session,
            team_id=TEAM,
            channel_id=CHANNEL,
            user_id=ALICE,
            occurred_at=at,
            text=lines[0],
            entry_id="trigger-0",
        )
    assert [row.kind for row in rows] == [MITIGATED, None, RESOLVED, None]
    assert all(row.is_key for row in rows) and again.id == rows[0].id
    with sessions() as session:
        view = timeline_service.view(session, postmortem_id)
    assert view.milestones.at(Name.MITIGATED) == at
    assert view.milestones.at(Name.RESOLVED) == at + timedelta(minutes=2)
    assert view.durations.to_mitigate is None, "nobody said when impact started"
    assert view.durations.why_unknown("to_resolve") == "set `started`"
