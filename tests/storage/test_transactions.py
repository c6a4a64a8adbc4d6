"""A transaction is all or nothing, savepoints included (pysqlite's default is not)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Delivery
from storage.repositories import deliveries


def test_a_claim_made_in_a_savepoint_is_rolled_back_with_its_transaction(
    sessions: sessionmaker[Session],
) -> None:
    with pytest.raises(RuntimeError), sessions.begin() as session:
        assert deliveries.claim(session, "slack", "Ev0LOST")
        raise RuntimeError("the work after the claim failed")

    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
    with sessions.begin() as session:
        assert deliveries.claim(session, "slack", "Ev0LOST"), "the retry must be processed"
