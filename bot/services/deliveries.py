"""What Slack and PagerDuty deliver more than once: each delivery is claimed by its id.

Claimed in the transaction that does the delivery's work, so a retry that arrives
while the first one is still running, or after it, changes nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.repositories import deliveries as delivery_rows


def first_time(
    session: Session, source: str, delivery_id: str | None, *, team_id: str | None = None
) -> bool:
    """Claim the delivery; False when it was claimed before. Without an id there is
    nothing to tell a retry by, so it counts as the first time."""
    if not delivery_id:
        return True
    return delivery_rows.claim(session, source, delivery_id, team_id=team_id)


def release(session: Session, source: str, delivery_id: str | None) -> None:
    """Give a claim back when its work failed after the claim was committed (a Slack call
    made outside the transaction, as none may be made inside one), so a retry does it."""
    if delivery_id:
        delivery_rows.release(session, source, delivery_id)
