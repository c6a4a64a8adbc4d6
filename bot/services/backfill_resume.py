"""A backfill paused by Slack's rate limit, kept in the inbox until Retry-After has passed.

The inbox is the bot's one durable queue with a not-before time (`available_at`) and
replicas that claim items exclusively, so a pause is one more item there rather than a
sleep in a worker thread: the worker takes other work (a live message, another
channel's command) meanwhile, and any replica resumes it once it is due, after a
restart too. The items of one channel's backfill share an order key of their own,
not the channel's: the channel's commands and interview answers never wait behind a
paused reading. The delivery key names the backfill (when it began) and how many
calls it had made, so recording the same pause twice (a replay) keeps one item.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.repositories import inbox

SOURCE = "backfill"
KIND = "backfill"
HANDLER = "backfill_resume"
KEY_LENGTH = 128  # storage.models.InboxItem.delivery_key
ORDER_LENGTH = 200  # InboxItem.order_key


def schedule(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    postmortem_id: int,
    started: float,
    calls: int,
    payload: str,
    due: datetime,
    now: datetime,
) -> bool:
    """Keep the resume of a paused backfill, due at `due`; False if this pause was kept."""
    return inbox.add(
        session,
        source=SOURCE,
        kind=KIND,
        delivery_key=f"{postmortem_id}:{started:.3f}:{calls}"[:KEY_LENGTH],
        handler=HANDLER,
        payload=payload,
        team_id=team_id,
        order_key=f"backfill:{team_id}:{channel_id}"[:ORDER_LENGTH],
        now=now,
        available_at=due,
    )
