"""What listeners need, handed to them through Bolt's per-request context.

A global middleware (see `bot.app`) puts one `Deps` into every request's
context, so listeners stay plain functions and tests build their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.templates import Templates


@dataclass(frozen=True)
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    templates: Templates

    def __deepcopy__(self, memo: dict[int, Any]) -> Deps:
        # Bolt deep-copies the context for lazy listeners; engines and template
        # environments cannot be copied, and are shared by design anyway.
        return self


def deps_of(context: BoltContext) -> Deps:
    return context["deps"]
