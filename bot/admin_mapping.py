"""The shape every `postmortem-bot NOUN map|unmap|list` admin command shares (PagerDuty's
services, monitoring's): argument checks, one transaction, and the workspace check.

Each command says only what map, unmap and list do (`Actions`); mistakes are one line
each (a BotError), exit status 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import BadArguments
from storage import schema
from storage.db import check_connection, make_engine, make_sessionmaker
from storage.repositories import installations


@dataclass(frozen=True)
class Actions:
    """What one command's map (service, team), unmap (service) and list do in a session."""

    command: str
    service_hint: str
    map: Callable[[Session, Settings, str, str, TextIO], None]
    unmap: Callable[[Session, str, TextIO], None]
    list: Callable[[Session, Settings, TextIO], None]


def run(
    settings: Settings,
    actions: Actions,
    action: str,
    service: str | None,
    team_id: str | None,
    *,
    out: TextIO,
) -> int:
    name = actions.command
    if action != "map" and team_id is not None:
        raise BadArguments(f"{action} takes no workspace: `{name} {action} SERVICE`")
    if action == "list" and service is not None:
        raise BadArguments(f"list takes no service: `{name} list`")
    engine = make_engine(settings.database_url)
    try:
        check_connection(engine)
        schema.ensure_current(engine)
        with make_sessionmaker(engine).begin() as session:
            if action == "map":
                actions.map(session, settings, _given(service, actions), _given_team(team_id), out)
            elif action == "unmap":
                actions.unmap(session, _given(service, actions), out)
            else:
                actions.list(session, settings, out)
    finally:
        engine.dispose()
    return 0


def require_installed(session: Session, settings: Settings, team_id: str) -> None:
    """In OAuth mode, refuse a workspace that has not installed the bot. Called inside the
    transaction after the mapping is written, so the refusal rolls it back."""
    if settings.oauth and not installations.has_team(session, team_id):
        raise BadArguments(
            f"workspace {team_id} has not installed the bot: map its services once it has "
            "(an admin of that workspace opens /slack/install)"
        )


def _given(service: str | None, actions: Actions) -> str:
    if service is None:
        raise BadArguments(f"which service? give its {actions.service_hint}")
    return service


def _given_team(team_id: str | None) -> str:
    if team_id is None:
        raise BadArguments("which workspace? give its team id, like T0123ABCD")
    return team_id
