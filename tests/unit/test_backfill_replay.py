"""A paused backfill resumes with the bot of its own workspace, or not at all once it is gone."""

from __future__ import annotations

import time

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import build_clients
from bot.config import Settings
from bot.flows.deps import Deps
from bot.inbox.backfills import BackfillReplay
from bot.oauth import DatabaseInstallationStore
from bot.templates import Templates
from storage.models import utcnow
from storage.secrets import TokenCipher

KEY = Fernet.generate_key().decode()


def _replay(settings: Settings, sessions: sessionmaker[Session]) -> BackfillReplay:
    deps = Deps(settings, sessions, build_clients(settings), utcnow, Templates(None))
    return BackfillReplay(deps)


def test_in_multi_workspace_mode_the_resume_reads_with_the_installations_token(
    sessions: sessionmaker[Session],
) -> None:
    settings = Settings(slack_client_id="1.2", slack_client_secret="s", token_encryption_key=KEY)
    bot = Bot(
        team_id="T0ACME",
        bot_token="xoxb-acme",
        bot_id="B0ACME",
        bot_user_id="U0ACMEBOT",
        bot_scopes="channels:history",
        installed_at=time.time(),
    )
    DatabaseInstallationStore(sessions, TokenCipher([KEY])).save_bot(bot)
    replay = _replay(settings, sessions)

    acme = replay.client_for("T0ACME")

    assert acme is not None and acme.token == "xoxb-acme"
    assert replay.client_for("T0GLOBEX") is None, "an uninstalled workspace is not read"


def test_with_one_token_the_resume_reads_with_it(sessions: sessionmaker[Session]) -> None:
    replay = _replay(Settings(slack_bot_token="xoxb-one"), sessions)

    client = replay.client_for("T0ANY")

    assert client is not None and client.token == "xoxb-one"
