"""A job's round over the installed workspaces (multi-workspace mode): one workspace's
trouble, or the database's while listing them, is logged and never escapes `run_job`."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import Clients, build_clients
from bot.config import Settings
from bot.jobs import digests, workspaces
from bot.jobs.runner import JobContext, JobRun, run_job
from bot.oauth import DatabaseInstallationStore
from bot.sandbox import Sandbox
from bot.sandbox.slack_state import SlackWorkspace
from bot.templates import Templates
from storage.db import make_engine, make_sessionmaker
from storage.models import Followup
from storage.secrets import TokenCipher
from tests.followup_seed import add_item, add_postmortem
from tests.unit.test_oauth import TOKEN_KEY, _bot, _oauth_settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _install(sessions: sessionmaker[Session], *teams: str) -> None:
    store = DatabaseInstallationStore(sessions, TokenCipher([TOKEN_KEY]))
    for turn, team in enumerate(teams):
        store.save_bot(_bot(team, f"xoxb-{team}", installed_at=time.time() - 100 + turn))


def _installed_in(
    sb: Sandbox, sessions: sessionmaker[Session]
) -> tuple[SlackWorkspace, Settings, DatabaseInstallationStore]:
    """The sandbox's workspace installed by OAuth with its working token."""
    ws = sb.slack
    store = DatabaseInstallationStore(sessions, TokenCipher([TOKEN_KEY]))
    store.save_bot(_bot(ws.team_id, ws.bot_token, installed_at=time.time() - 100))
    return ws, _oauth_settings(sb.slack_api_url), store


def _context(settings: Settings, sessions: sessionmaker[Session]) -> JobContext:
    clients: Clients = build_clients(settings)
    return JobContext(settings, sessions, clients, Templates(settings.templates_dir))


def _seen(into: list[str | None]) -> object:
    def job(run: JobRun) -> Counter[str]:
        into.append(run.team_id)
        return Counter(ran=1)

    return job


def test_a_round_whose_workspaces_cannot_be_listed_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _oauth_settings()
    engine = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")
    seen: list[str | None] = []
    try:
        tally = run_job(
            "digests", _seen(seen), _context(settings, make_sessionmaker(engine)), now=NOW
        )  # type: ignore[arg-type]
    finally:
        engine.dispose()

    assert tally is None
    assert seen == []
    assert "the installed workspaces could not be read" in caplog.text


def test_one_workspace_whose_installation_cannot_be_read_does_not_stop_the_others(
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = _oauth_settings()
    _install(sessions, "T0ACME", "T0GLOBEX")
    real = workspaces.installed_bot

    def acme_unreadable(settings: Settings, sessions: sessionmaker[Session], team_id: str):  # type: ignore[no-untyped-def]
        if team_id == "T0ACME":
            raise OperationalError("SELECT slack_installations", {}, Exception("connection reset"))
        return real(settings, sessions, team_id)

    monkeypatch.setattr(workspaces, "installed_bot", acme_unreadable)
    seen: list[str | None] = []
    with caplog.at_level(logging.INFO):
        tally = run_job("digests", _seen(seen), _context(settings, sessions), now=NOW)  # type: ignore[arg-type]

    assert seen == ["T0GLOBEX"], "the other workspace still had its turn"
    assert tally is None, "the round reports that one workspace failed"
    assert "team=T0ACME: its installation could not be read" in caplog.text


def test_a_workspace_whose_token_slack_refuses_is_forgotten_and_skipped_until_a_reinstall(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """The uninstall events were lost: the job's own call is refused `invalid_auth`."""
    with Sandbox(rate_limits=False) as sb:
        ws, settings, store = _installed_in(sb, sessions)
        context = _context(settings, sessions)
        asked: list[str | None] = []

        def job(run: JobRun) -> Counter[str]:
            asked.append(run.team_id)
            run.clients.slack.auth_test()
            return Counter(ran=1)

        assert run_job("digests", job, context, now=NOW) == Counter(ran=1)
        sb.installs.uninstall(ws.team_id)
        with caplog.at_level(logging.INFO):
            assert run_job("digests", job, context, now=NOW) is None
            assert run_job("digests", job, context, now=NOW) == Counter()
        assert asked == [ws.team_id, ws.team_id], "the round after the refusal skips it"
        assert store.find_bot(enterprise_id=None, team_id=ws.team_id) is None
        refused = [r for r in caplog.records if "refused its bot token" in r.getMessage()]
        assert len(refused) == 1 and "invalid_auth" in refused[0].getMessage()
        assert "Traceback" not in caplog.text

        sb.installs.issue_token(ws.team_id, "xoxb-reinstalled")
        store.save_bot(_bot(ws.team_id, "xoxb-reinstalled"))
        assert run_job("digests", job, context, now=NOW) == Counter(ran=1)


def test_a_refused_token_replaced_by_a_reinstall_meanwhile_keeps_the_reinstall(
    sessions: sessionmaker[Session],
) -> None:
    settings = _oauth_settings()
    _install(sessions, "T0ACME")
    store = DatabaseInstallationStore(sessions, TokenCipher([TOKEN_KEY]))
    store.save_bot(_bot("T0ACME", "xoxb-new"))

    assert not workspaces.forget_refused(settings, sessions, "T0ACME", "xoxb-T0ACME")
    kept = store.find_bot(enterprise_id=None, team_id="T0ACME")
    assert kept is not None and kept.bot_token == "xoxb-new"


def test_the_weekly_digest_refused_invalid_auth_stops_the_workspace_and_keeps_its_reminder(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """The real digest job, whose deliveries would otherwise fail one message at a time."""
    with Sandbox(rate_limits=False) as sb:
        ws, settings, store = _installed_in(sb, sessions)
        postmortem = add_postmortem(
            sessions, channel_id="C0INC", lead="U0ALICE", title="API outage", created_at=NOW
        )
        add_item(sessions, postmortem, 1, "U0ALICE", "Add a canary stage", team_id=ws.team_id)
        sb.installs.uninstall(ws.team_id)

        with caplog.at_level(logging.INFO):
            assert run_job(digests.NAME, digests.run, _context(settings, sessions), now=NOW) is None

    assert store.find_bot(enterprise_id=None, team_id=ws.team_id) is None
    assert "jobs stop for team=T0SANDBOX: Slack refused its bot token (invalid_auth)" in caplog.text
    assert "reminder failed" not in caplog.text
    with sessions() as session:
        statuses = list(session.scalars(select(Followup.status)))
    assert "failed" not in statuses, "the digest is not given up: a reinstall sends it"
