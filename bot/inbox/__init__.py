"""The inbox: what the bot answered, processed from its database record (issue 11).

Producers record each request with `storage.repositories.inbox.add` before
answering it, then call `Worker.wake`; the `Worker` runs the caller's handler
for each item at least once, in order per `order_key`. The worker knows no Bolt;
Slack's side is `recording` (Bolt's lazy listeners, recorded before the ack),
`slack_delivery` (how a Slack request is filed) and `replay` (an item run again
through the Bolt app, for the worker).
"""

from bot.inbox.backoff import Backoff
from bot.inbox.worker import (
    Handle,
    HandlerSignal,
    OnDead,
    Permanent,
    Retry,
    Worker,
    default_worker_name,
)
from storage.repositories.inbox import Claimed

__all__ = [
    "Backoff",
    "Claimed",
    "Handle",
    "HandlerSignal",
    "OnDead",
    "Permanent",
    "Retry",
    "Worker",
    "default_worker_name",
]
