"""The delivery ids kept to tell retries by are pruned once older than
DELIVERY_RETENTION_DAYS; a retry inside the window is still recognised."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import build_clients
from bot.config import Settings
from bot.errors import ConfigError
from bot.jobs import prune_deliveries
from bot.jobs.runner import JobContext, run_job
from bot.jobs.scheduler import JOBS
from bot.services import deliveries
from bot.templates import Templates
from storage.models import Delivery

NOW = datetime(2026, 3, 9, 10, 30, tzinfo=UTC)


def _received(sessions: sessionmaker[Session], days_ago: float, *ids: str) -> None:
    with sessions.begin() as session:
        for delivery_id in ids:
            session.add(
                Delivery(
                    source="slack",
                    delivery_id=delivery_id,
                    team_id="T0ACME",
                    received_at=NOW - timedelta(days=days_ago),
                )
            )


def _prune(sessions: sessionmaker[Session], now: datetime = NOW) -> Counter[str] | None:
    settings = Settings(slack_bot_token="xoxb-test", delivery_retention_days=7)
    context = JobContext(settings, sessions, build_clients(settings), Templates(None))
    return run_job(prune_deliveries.NAME, prune_deliveries.run, context, now=now)


def _ids(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(Delivery.delivery_id).where(Delivery.source == "slack")))


def test_old_deliveries_are_pruned_and_a_retry_inside_the_window_is_still_deduped(
    sessions: sessionmaker[Session],
) -> None:
    _received(sessions, 8, "Ev0OLD1", "Ev0OLD2")
    _received(sessions, 6.9, "Ev0RECENT")

    assert _prune(sessions) == Counter(pruned=2)

    assert _ids(sessions) == {"Ev0RECENT"}
    with sessions.begin() as session:
        assert not deliveries.first_time(session, "slack", "Ev0RECENT"), "a retry is recognised"


def test_a_second_run_in_the_same_hour_is_left_to_the_replica_that_claimed_it(
    sessions: sessionmaker[Session],
) -> None:
    assert _prune(sessions) == Counter(pruned=0)
    _received(sessions, 8, "Ev0OLD1")

    assert _prune(sessions, NOW + timedelta(minutes=20)) == Counter(claimed_elsewhere=1)
    assert _prune(sessions, NOW + timedelta(hours=1)) == Counter(pruned=1)


def test_many_old_rows_go_in_bounded_batches(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prune_deliveries, "BATCH", 50)
    _received(sessions, 30, *(f"Ev0OLD{n:04d}" for n in range(120)))
    batches: list[int] = []
    real = prune_deliveries.delivery_rows.prune_batch

    def counted(session: Session, before: datetime, limit: int) -> int:
        batches.append(limit)
        return real(session, before, limit)

    monkeypatch.setattr(prune_deliveries.delivery_rows, "prune_batch", counted)

    assert _prune(sessions) == Counter(pruned=120)
    assert batches == [50, 50, 50]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 1  # the hour's claim


def test_the_pruning_is_a_scheduled_job() -> None:
    assert prune_deliveries in JOBS


def test_a_retention_shorter_than_a_day_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match="DELIVERY_RETENTION_DAYS"):
        Settings.from_env({"DELIVERY_RETENTION_DAYS": "0"})
    assert Settings.from_env({}).delivery_retention_days == 7
