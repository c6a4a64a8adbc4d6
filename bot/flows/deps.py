"""What flows (and the listeners that call them) need: settings, sessions, clients, clock,
templates.

`bot.app` builds one `Deps`; listeners find it in Bolt's per-request context
(`bot.listeners.deps.deps_of`) and hand it to flows, so both stay plain functions
and tests build their own. `clients` are the process's outbound clients
(`bot.clients.build_clients`). For Slack a listener passes on the client Bolt hands
it instead: with OAuth that copy of `clients.slack` carries the token of the
workspace that sent the request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clients import Clients
from bot.config import Settings
from bot.templates import Templates


@dataclass(frozen=True)
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    clients: Clients
    clock: Callable[[], datetime]
    templates: Templates

    def __deepcopy__(self, memo: dict[int, Any]) -> Deps:
        # Bolt deep-copies the context for lazy listeners; engines and template
        # environments cannot be copied, and are shared by design anyway.
        return self
