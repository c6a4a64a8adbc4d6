"""The inbox's ticket items (`bot.inbox.tickets.TicketReplay`) in multi-workspace mode: the
thread's line is said by the item's workspace's installed bot, with its own token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.flows import ticket_status
from bot.flows.ticket_status import Reported
from bot.inbox import Permanent
from bot.inbox.tickets import TicketReplay
from bot.sandbox import Sandbox
from bot.services import tickets as ticket_service
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, InboxItem, utcnow
from storage.repositories import inbox, installations
from storage.secrets import TokenCipher
from tests.scenario.report_seed import TEAM, seed_postmortem

CHANNEL, REPO = "C0INC", "acme/checkout"
URL = f"https://github.com/{REPO}/issues/1"
KEY = Fernet.generate_key().decode()


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox(rate_window_seconds=1.0, rate_limits=False).start()
    sandbox.slack.add_user("U0ALICE", "alice")
    sandbox.slack.add_channel(CHANNEL, "inc-checkout", members=("U0ALICE",))
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path}/replay.db")
    schema.upgrade(engine, token_encryption_key=KEY)
    yield make_sessionmaker(engine)
    engine.dispose()


def _settings(sb: Sandbox) -> Settings:
    return Settings(
        slack_client_id="1.2",
        slack_client_secret="secret",
        slack_signing_secret="signing",
        token_encryption_key=KEY,
        slack_api_url=sb.slack_api_url,
        github_repository=REPO,
    )


def _install(sessions: sessionmaker[Session], token: str) -> None:
    values = {
        "install_id": TEAM,
        "enterprise_id": None,
        "enterprise_name": None,
        "team_id": TEAM,
        "team_name": "Acme",
        "is_enterprise_install": False,
        "app_id": "A0APP",
        "bot_id": "B0ACME",
        "bot_user_id": "U0ACMEBOT",
        "bot_token": token,
        "bot_scopes": "commands,chat:write",
        "bot_refresh_token": None,
        "bot_token_expires_at": None,
        "installed_at": datetime(2026, 12, 1, tzinfo=UTC),
    }
    with sessions.begin() as session:
        installations.save(session, values, TokenCipher.from_setting(KEY))


def _closed_in_inbox(sessions: sessionmaker[Session]) -> inbox.Claimed:
    with sessions.begin() as session:
        item = session.scalars(select(ActionItem).order_by(ActionItem.number)).first()
        assert item is not None
        item.ticket_url = URL
        reported = Reported("github", REPO, URL, True, item.id)
        ticket_status.record(session, source="github", key="d-1", reported=reported, now=utcnow())
    with sessions.begin() as session:
        (claimed,) = inbox.claim_next(session, worker="w", now=utcnow(), lease_seconds=60)
    return claimed


def test_the_line_is_said_with_the_items_workspaces_installed_token(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    root = sb.slack.post_as_user(CHANNEL, "U0ALICE", "Post-mortem thread")
    seed_postmortem(sessions, CHANNEL, root["ts"])
    _install(sessions, sb.slack.bot_token)
    no_token = WebClient(base_url=sb.slack_api_url)  # what clients.slack is in this mode
    TicketReplay(sessions, no_token, _settings(sb)).handle(_closed_in_inbox(sessions))

    (line,) = [m for m in sb.slack.replies(CHANNEL, root["ts"]) if "is done" in m["text"]]
    assert URL in line["text"]
    posts = [c for c in sb.slack.calls if c.method == "chat.postMessage"]
    assert [c.token for c in posts] == [sb.slack.bot_token]


def test_a_workspace_that_uninstalled_gets_no_line_and_no_retries(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> None:
    root = sb.slack.post_as_user(CHANNEL, "U0ALICE", "Post-mortem thread")
    seed_postmortem(sessions, CHANNEL, root["ts"])
    no_token = WebClient(base_url=sb.slack_api_url)
    with pytest.raises(Permanent, match="no installation"):
        TicketReplay(sessions, no_token, _settings(sb)).handle(_closed_in_inbox(sessions))
    with sessions() as session:
        assert session.scalar(select(ActionItem.status).order_by(ActionItem.number)) == "done"
        assert session.scalar(select(InboxItem.status)) == "claimed"


def test_a_line_posted_before_a_crash_deep_in_a_long_thread_is_adopted_not_said_twice(
    sb: Sandbox, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread had 1,050 replies when the line went out and the worker died before it
    was confirmed: the replay reads the thread from the claim's time, so it finds the line
    (the first 1,000 replies, oldest first, do not hold it)."""
    root = sb.slack.post_as_user(CHANNEL, "U0ALICE", "Post-mortem thread")
    seed_postmortem(sessions, CHANNEL, root["ts"])
    _install(sessions, sb.slack.bot_token)
    for n in range(1050):
        sb.slack.post_as_user(CHANNEL, "U0ALICE", f"timeline note {n}", thread_ts=root["ts"])
    replay = TicketReplay(sessions, WebClient(base_url=sb.slack_api_url), _settings(sb))
    claimed = _closed_in_inbox(sessions)

    def killed(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the worker died before confirming the line")

    with monkeypatch.context() as dying:
        dying.setattr(ticket_service, "confirm_note", killed)
        with pytest.raises(RuntimeError):
            replay.handle(claimed)
    replay.handle(claimed)  # the inbox gives the item back after the crash

    done = [m for m in sb.slack.replies(CHANNEL, root["ts"]) if "is done" in m["text"]]
    assert len(done) == 1
