"""The inbox worker: what the bot answered, processed from its database record (issue 11).

Producers record each request with `storage.repositories.inbox.add` before
answering it, then call `Worker.wake`; the `Worker` runs the caller's handler
for each item at least once, in order per `order_key`. Nothing here knows Bolt.
"""

from bot.inbox.worker import (
    Backoff,
    Handle,
    HandlerSignal,
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
    "Permanent",
    "Retry",
    "Worker",
    "default_worker_name",
]
