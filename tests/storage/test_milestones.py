"""Milestones as stored: a person's setting is kept, replaced by a person only, and per workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.milestones import Name, Origin
from bot.services import milestones, postmortems
from bot.services.timeline_rows import stored_entries
from storage.models import Answer, Milestone, Postmortem, TimelineEvent
from storage.repositories import user_timezones

NIGHT = datetime(2026, 11, 30, 21, 40, tzinfo=UTC)
NOW = NIGHT + timedelta(hours=26)


def at(minutes: float) -> datetime:
    return NIGHT + timedelta(minutes=minutes)


def _open(session: Session, team: str = "T1", channel: str = "C1") -> Postmortem:
    postmortem, _ = postmortems.start(
        session, team_id=team, channel_id=channel, user_id="U0A", title="Checkout", now=NOW
    )
    session.flush()
    return postmortem


def _pager(session: Session, pm: Postmortem, minutes: float, kind: str, key: str) -> None:
    session.add(
        TimelineEvent(
            team_id=pm.team_id, postmortem_id=pm.id, occurred_at=at(minutes), source="pagerduty",
            source_key=key, text=kind, kind=kind, via="webhook", incident_id="PX",
        )
    )  # fmt: skip
    session.flush()


def test_a_setting_survives_what_pagerduty_says_later_and_writes_the_window(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        pm = _open(session)
        _pager(session, pm, 4, "trigger", "E1")
        _pager(session, pm, 86, "resolved", "E2")
        milestones.set_time(session, pm, Name.STARTED, at(0), by="U0A", now=NOW)
        known = milestones.set_time(session, pm, Name.RESOLVED, at(70), by="U0B", now=NOW)
        assert known.at(Name.DETECTED) == at(4)
        assert (pm.incident_start, pm.incident_end) == (at(0), at(70))
    with sessions.begin() as session:
        pm = session.get_one(Postmortem, pm.id)
        _pager(session, pm, 120, "resolved", "E3")
        known = milestones.current(session, pm)
        resolved = known.get(Name.RESOLVED)
        assert resolved is not None and resolved.at == at(70) and resolved.by == "U0B"
        assert resolved.origin is Origin.PERSON and resolved.confirmed


def test_setting_again_replaces_and_clearing_gives_the_data_back(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        pm = _open(session)
        _pager(session, pm, 4, "trigger", "E1")
        milestones.set_time(session, pm, Name.DETECTED, at(2), by="U0A", now=NOW)
        milestones.set_time(session, pm, Name.DETECTED, at(3), by="U0B", now=NOW)
        rows = list(session.scalars(select(Milestone).where(Milestone.postmortem_id == pm.id)))
        assert [(r.name, r.occurred_at, r.set_by) for r in rows] == [("detected", at(3), "U0B")]
        known = milestones.clear(session, pm, Name.DETECTED)
        detected = known.get(Name.DETECTED)
        assert detected is not None and detected.origin is Origin.PAGERDUTY
        assert not detected.confirmed


def test_confirming_keeps_the_derived_time_and_its_origin(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        pm = _open(session)
        _pager(session, pm, 7, "acknowledged", "E1")
        known = milestones.confirm(session, pm, Name.ACKNOWLEDGED, by="U0A", now=NOW)
        acknowledged = known.get(Name.ACKNOWLEDGED)
        assert acknowledged is not None and acknowledged.origin is Origin.PAGERDUTY
        assert acknowledged.confirmed and acknowledged.origin_words == "PagerDuty, confirmed"
        _pager(session, pm, 5, "acknowledged", "E0")  # an earlier one, delivered late
        assert milestones.current(session, pm).at(Name.ACKNOWLEDGED) == at(7)


def test_the_detection_answer_counts_in_its_authors_timezone(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        pm = _open(session)
        _pager(session, pm, 4, "trigger", "E1")
        user_timezones.save(session, "T1", "U0C", "Europe/Berlin", NOW)
        session.add(
            Answer(team_id="T1", postmortem_id=pm.id, question="detection", chain=None,
                   depth=None, text="A customer wrote to support at 22:42", author_id="U0C")
        )  # fmt: skip
        session.flush()
        detected = milestones.current(session, pm).get(Name.DETECTED)
        assert detected is not None and detected.origin is Origin.INTERVIEW
        assert detected.at == at(2), "22:42 in Berlin is 21:42 UTC, before the pager"


def test_each_workspace_sees_only_its_own_milestones(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ours, theirs = _open(session, "T1", "C1"), _open(session, "T2", "C1")
        milestones.set_time(session, ours, Name.STARTED, at(0), by="U0A", now=NOW)
        _, known = milestones.in_channel(session, "T2", "C1")
        assert known.get(Name.STARTED) is None and theirs.incident_start is None


def test_reading_only_the_lines_that_can_be_milestones_reads_the_same_clock(
    sessions: sessionmaker[Session],
) -> None:
    """Thousands of chat lines, one alert bot among them: the light read finds what the
    whole timeline says."""
    with sessions.begin() as session:
        pm = _open(session)
        for i in range(300):
            actor = "Datadog" if i == 200 else "U0B"
            session.add(
                TimelineEvent(team_id="T1", postmortem_id=pm.id, occurred_at=at(i / 10),
                              source="slack", source_key=f"C1:{i}", text=f"line {i}", actor=actor)
            )  # fmt: skip
        _pager(session, pm, 25, "trigger", "E1")
        _pager(session, pm, 80, "resolved", "E2")
        entries, _ = stored_entries(session, pm.id)
        light, whole = milestones.current(session, pm), milestones.current(session, pm, entries)
        assert light == whole
        assert light.at(Name.DETECTED) == at(20), "Datadog's message, before the pager"


def test_the_jobs_write_only_the_windows_that_changed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        moved, still = _open(session, "T1", "C1"), _open(session, "T1", "C2")
        _pager(session, moved, 80, "resolved", "E1")
    with sessions() as session:
        stale = milestones.stale_windows(session, "unpublished")
    assert stale == {moved.id: (None, at(80))}
    with sessions.begin() as session:
        milestones.write_windows(session, stale)
    with sessions() as session:
        assert session.get_one(Postmortem, moved.id).incident_end == at(80)
        assert milestones.stale_windows(session, "unpublished") == {}
        assert session.get_one(Postmortem, still.id).incident_end is None
