"""The report's record on SQLite and PostgreSQL: one publisher at a time, share links that die."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import NotFound
from bot.services import postmortems
from bot.services import report as report_service
from bot.services.report import Posted, PublishInProgress
from storage.models import Base, Postmortem, ReportRecord

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
NAMES = {"U1": "Alice Ng"}


@pytest.fixture
def postmortem_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session, team_id="T1", channel_id="C1", user_id="U1", title="Checkout", now=NOW
        )
        return postmortem.id


def publish(sessions: sessionmaker[Session], postmortem_id: int, by: str, at: datetime) -> None:
    with sessions.begin() as session:
        report_service.begin_publish(session, "T1", postmortem_id, now=at, claimer=by)
    with sessions.begin() as session:
        posted = Posted(channel_ts="1.1", file_id="F1", announce_channel=None, announce_ts=None)
        report_service.finish_publish(
            session, postmortem_id, posted, by=by, now=at, names=NAMES, claimer=by
        )


def test_the_migration_makes_the_table_the_model_describes(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = [d for d in compare_metadata(context, Base.metadata) if "reports" in repr(d)]
    assert drift == []


def test_a_second_publish_waits_for_the_first_to_finish(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    with sessions.begin() as session:
        report_service.begin_publish(session, "T1", postmortem_id, now=NOW, claimer="first")
    with pytest.raises(PublishInProgress), sessions.begin() as session:
        report_service.begin_publish(session, "T1", postmortem_id, now=NOW, claimer="second")
    later = NOW + report_service.CLAIM_TIMEOUT + timedelta(seconds=1)
    with sessions.begin() as session:
        target = report_service.begin_publish(
            session, "T1", postmortem_id, now=later, claimer="second"
        )
    assert target.share_token is not None and target.channel_ts is None


def test_a_replay_of_the_same_request_takes_its_own_claim_back_at_once(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    """The bot died mid-publish; the inbox replays the request, whose trigger id claimed it."""
    with sessions.begin() as session:
        report_service.begin_publish(session, "T1", postmortem_id, now=NOW, claimer="trigger-1")
    soon = NOW + timedelta(seconds=5)
    with pytest.raises(PublishInProgress), sessions.begin() as session:
        report_service.begin_publish(session, "T1", postmortem_id, now=soon, claimer="trigger-2")
    with sessions.begin() as session:
        report_service.begin_publish(session, "T1", postmortem_id, now=soon, claimer="trigger-1")
    with sessions() as session:
        record = session.get(ReportRecord, postmortem_id)
        assert record is not None and record.claimed_by == "trigger-1"


def test_two_publishes_at_once_claim_once(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    def claim(claimer: str) -> str:
        try:
            with sessions.begin() as session:
                report_service.begin_publish(session, "T1", postmortem_id, now=NOW, claimer=claimer)
        except PublishInProgress:
            return "refused"
        return "claimed"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(claim, ["a", "b"]))
    assert outcomes == ["claimed", "refused"]


def test_publishing_records_who_and_when_and_the_first_publish_stays(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    publish(sessions, postmortem_id, "U1", NOW)
    publish(sessions, postmortem_id, "U2", NOW + timedelta(hours=1))

    with sessions() as session:
        record = session.get_one(ReportRecord, postmortem_id)
        postmortem = session.get_one(Postmortem, postmortem_id)
    assert (record.published_by, record.published_at, record.publish_count) == (
        "U2",
        NOW + timedelta(hours=1),
        2,
    )
    assert postmortem.published_at == NOW and postmortem.status == "open"
    assert (record.claimed_at, record.names) == (None, NAMES)


def test_a_share_link_is_stable_until_revoked_then_a_new_one_is_made(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    def share() -> str:
        with sessions.begin() as session:
            return report_service.share(session, "T1", postmortem_id, by="U1", now=NOW, names=NAMES)

    def page(token: str) -> object:
        with sessions.begin() as session:
            return report_service.page(session, token, now=NOW)

    first = share()
    assert share() == first and len(first) >= 40
    report, names = page(first)
    assert report.header.title == "Checkout" and names == NAMES

    with sessions.begin() as session:
        assert report_service.revoke(session, "T1", postmortem_id, by="U1", now=NOW)
        assert not report_service.revoke(session, "T1", postmortem_id, by="U1", now=NOW)
    assert page(first) is None
    second = share()
    assert second != first and page(second) is not None and page(first) is None
    assert page("never-issued") is None


def test_another_workspace_cannot_publish_or_share_this_post_mortem(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    with pytest.raises(NotFound), sessions.begin() as session:
        report_service.begin_publish(session, "T2", postmortem_id, now=NOW, claimer="x")
    with pytest.raises(NotFound), sessions.begin() as session:
        report_service.share(session, "T2", postmortem_id, by="U9", now=NOW, names={})
