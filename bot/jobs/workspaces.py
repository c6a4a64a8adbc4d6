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
from collections.abc import Iterator
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


def each(
    settings: Settings, sessions: sessionmaker[Session], clients: Clients
) -> Iterator[Workspace]:
    """The runs of one tick, in turn; in multi-workspace mode, the installed ones."""
    if not settings.oauth:
        yield Workspace(None, clients)
        return
    with sessions() as session:
        teams = installations.installed_teams(session)
    for team_id in teams:
        slack = _installed(settings, sessions, team_id)
        if slack is not None:
            yield Workspace(team_id, for_workspace(clients, slack))


def _installed(
    settings: Settings, sessions: sessionmaker[Session], team_id: str
) -> WebClient | None:
    """The team's bot, its token read now; None once it is gone or unusable."""
    try:
        return installed_bot(settings, sessions, team_id)
    except UnreadableSecret as error:
        logger.error("jobs skip the installation of %s: %s", team_id, error)
        return None
