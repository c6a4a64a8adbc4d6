"""Which workspaces a job's tick runs for, each with the bot token to send with.

With SLACK_BOT_TOKEN (one workspace, or several served by one token) a tick is one
run over every team's rows with the process's clients. In multi-workspace mode
(SLACK_CLIENT_ID) there is no one token: a tick is one run per installed workspace,
that run sees only its team's post-mortems and items (`JobRun.team_id`) and sends
with its installation's bot token (`bot.clients.for_workspace`).

Each install's token is read from the database just before its turn, not once per
tick: an uninstall or a revoked token (`bot.listeners.events.uninstall`) deletes the
row, and that workspace's next turn, on any replica, is skipped. An org-wide install
(no team of its own) is skipped too: the post-mortems are kept by workspace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.clients import Clients, for_workspace
from bot.config import Settings
from storage.repositories import installations
from storage.secrets import TokenCipher, UnreadableSecret

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
    cipher = TokenCipher.from_setting(settings.require_token_encryption_key())
    with sessions() as session:
        keys = installations.install_ids(session)
    for key in keys:
        found = _installed(sessions, cipher, key)
        if found is not None:
            team_id, token = found
            yield Workspace(team_id, for_workspace(clients, settings, token))


def _installed(
    sessions: sessionmaker[Session], cipher: TokenCipher, key: str
) -> tuple[str, str] | None:
    """The install's team and bot token, read now; None once it is gone or unusable."""
    try:
        with sessions() as session:
            row = installations.get(session, key, cipher)
    except UnreadableSecret as error:
        logger.error("jobs skip the installation of %s: %s", key, error)
        return None
    if row is None or not row["bot_token"]:
        return None  # uninstalled since the tick began: its turn is skipped
    if not row["team_id"] or row["is_enterprise_install"]:
        logger.info("jobs skip the org-wide installation of %s", key)
        return None
    return str(row["team_id"]), str(row["bot_token"])
