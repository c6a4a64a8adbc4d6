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
from storage.repositories import installations, token_refusals, user_timezones
from storage.secrets import TokenCipher, UnreadableSecret

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
        return [] if _bot_token_refused(sessions) else [None]
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


def _bot_token_refused(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        reason = token_refusals.refused(session)
    if reason is not None:
        logger.info("jobs skip their round: Slack refused SLACK_BOT_TOKEN (%s)", reason)
    return reason is not None


def refuse_bot_token(sessions: sessionmaker[Session], reason: str) -> None:
    """Single-workspace mode: SLACK_BOT_TOKEN is dead; the jobs stop until it works."""
    with sessions.begin() as session:
        token_refusals.refuse(session, reason)


def bot_token_works(sessions: sessionmaker[Session]) -> bool:
    """`serve` saw SLACK_BOT_TOKEN work (its start-up auth.test): the jobs resume. True
    if they had been stopped."""
    with sessions.begin() as session:
        return token_refusals.clear(session)


def forget_refused(
    settings: Settings, sessions: sessionmaker[Session], team_id: str, token: str
) -> bool:
    """Slack refused the workspace's bot token for good (`bot.core.slack_refusals`) though no uninstall
    event came (lost, or the bot was down): delete the installation as the uninstall
    would (README, "Uninstalling"), unless a reinstall has replaced the token since, so
    the next rounds skip the workspace until it installs the app again. True if deleted."""
    cipher = TokenCipher.from_setting(settings.require_token_encryption_key())
    with sessions.begin() as session:
        if not installations.remove_if_token(session, team_id, token, cipher):
            return False
        user_timezones.forget_team(session, team_id)
    return True


def _installed(
    settings: Settings, sessions: sessionmaker[Session], team_id: str
) -> WebClient | None:
    """The team's bot, its token read now; None once it is gone or unusable."""
    try:
        return installed_bot(settings, sessions, team_id)
    except UnreadableSecret as error:
        logger.error("jobs skip the installation of %s: %s", team_id, error)
        return None
