"""Claims on filing an item's ticket, on SQLite and PostgreSQL (issue 16.4): a round whose
claim went stale and was taken over (it was slow, or presumed dead) cannot give back the
claim of the round that took it over, so a third click or publish cannot file twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.services import tickets
from storage.repositories import followup_claims
from tests.storage.test_tickets import ACME, _item

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STALE = timedelta(seconds=30)


def test_a_round_that_lost_its_claim_leaves_the_new_holders_claim_in_place(
    sessions: sessionmaker[Session],
) -> None:
    item = _item(sessions)
    slow, click, third = (tickets.filing_holder() for _ in range(3))
    with sessions.begin() as session:
        lost = tickets.claim_filing(session, ACME, item, now=NOW, holder=slow, stale=STALE)
    later = NOW + STALE + timedelta(seconds=1)
    with sessions.begin() as session:
        taken = tickets.claim_filing(session, ACME, item, now=later, holder=click, stale=STALE)
    assert lost is not None and taken is not None and not taken.fresh

    with sessions.begin() as session:  # the slow round is refused and cleans up
        assert not tickets.unclaim_filing(session, lost, holder=slow)
    with sessions.begin() as session:
        assert tickets.claim_filing(session, ACME, item, now=later, holder=third) is None
        (row,) = followup_claims.list_all(session, tickets.FILING_KIND)
    assert (row.claimed_by, row.status) == (click, followup_claims.CLAIMED)


def test_the_holder_gives_its_claim_back_for_the_next_round_at_once(
    sessions: sessionmaker[Session],
) -> None:
    item = _item(sessions)
    first, second = tickets.filing_holder(), tickets.filing_holder()
    with sessions.begin() as session:
        claim = tickets.claim_filing(session, ACME, item, now=NOW, holder=first)
    assert claim is not None and claim.fresh
    with sessions.begin() as session:
        assert tickets.unclaim_filing(session, claim, holder=first)
    with sessions.begin() as session:
        again = tickets.claim_filing(session, ACME, item, now=NOW, holder=second)
    assert again is not None and not again.fresh, "handed back: look for its ticket first"
