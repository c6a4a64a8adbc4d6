"""Which workspaces a job's tick runs for, each with the bot token to send with.

With SLACK_BOT_TOKEN (one workspace, or several served by one token) a tick is one
run over every team's rows with the process's clients. In multi-workspace mode
(SLACK_CLIENT_ID) there is no one token: a tick is one run per installed workspace,
that run sees only its team's post-mortems and items (`JobRun.team_id`) and sends
with its installation's bot token (`bot.clients.installed_bot`).

Each install's token is read from the database just before its turn, not once per
tick: an uninstall or a revoked token (`bot.listeners.events.uninstall`) deletes the
row, and that workspace's next turn, on any replica, is skipped. An org-wide install
(no team of its own) is skipped too: the post-mortems are kept by workspace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import Clients, for_workspace, installed_bot
from bot.config import Settings
from storage.repositories import installations
from storage.secrets import UnreadableSecret

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Workspace:
    """One run's scope: `team_id` None is every team, with the process's own clients."""

    team_id: str | None
    clients: Clients


def teams(settings: Settings, sessions: sessionmaker[Session]) -> list[str | None]:
    """The runs of one tick, by team: None alone (every team, the process's token) with
    SLACK_BOT_TOKEN; in multi-workspace mode the installed workspaces. Reads the
    database in OAuth mode, so the caller guards it like a run (`bot.jobs.runner`)."""
    if not settings.oauth:
        return [None]
    with sessions() as session:
        return list(installations.installed_teams(session))


def open_turn(
    settings: Settings, sessions: sessionmaker[Session], clients: Clients, team_id: str | None
) -> Workspace | None:
    """One run's scope, the team's token read now; None once it is gone or unusable."""
    if team_id is None:
        return Workspace(None, clients)
    slack = _installed(settings, sessions, team_id)
    return None if slack is None else Workspace(team_id, for_workspace(clients, slack))


def _installed(
    settings: Settings, sessions: sessionmaker[Session], team_id: str
) -> WebClient | None:
    """The team's bot, its token read now; None once it is gone or unusable."""
    try:
        return installed_bot(settings, sessions, team_id)
    except UnreadableSecret as error:
        logger.error("jobs skip the installation of %s: %s", team_id, error)
        return None
