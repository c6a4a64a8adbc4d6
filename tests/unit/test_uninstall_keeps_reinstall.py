"""An uninstall event deletes the installation once: a reinstall committed right after
its transaction (the admin added the app back while the event was handled) stays."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from slack_bolt import BoltContext, BoltRequest
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.listeners import deps
from bot.listeners.events import uninstall
from bot.sandbox import Sandbox
from bot.sandbox.signing import slack_headers
from tests.unit.test_oauth import _bot, _oauth_settings


def _uninstall(team_id: str) -> str:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": team_id,
            "api_app_id": "A0APP",
            "event_id": "Ev0UNINSTALL",
            "event_time": int(time.time()) - 5,
            "event": {"type": "app_uninstalled"},
        }
    )


class _ThenReinstall:
    """The listener's sessions, whose every transaction is followed by `after`."""

    def __init__(self, sessions: sessionmaker[Session], after: Any) -> None:
        self._sessions, self._after = sessions, after

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session
        self._after()


def test_a_reinstall_committed_after_the_uninstall_transaction_is_kept(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox(rate_limits=False) as sb:
        settings = _oauth_settings(sb.slack_api_url)
        app = build_app(settings, sessions=sessions)
        store = app.installation_store
        assert store is not None
        ws = sb.slack
        store.save_bot(_bot(ws.team_id, ws.bot_token, installed_at=time.time() - 60))
        reinstalled = _bot(ws.team_id, "xoxb-reinstalled", installed_at=time.time() + 1)

        def reinstall() -> None:
            assert store.find_bot(enterprise_id=None, team_id=ws.team_id) is None
            store.save_bot(reinstalled)

        def deps_then_reinstall(context: BoltContext) -> Any:
            real = deps.deps_of(context)
            return dataclasses.replace(real, sessions=_ThenReinstall(real.sessions, reinstall))

        monkeypatch.setattr(uninstall, "deps_of", deps_then_reinstall)
        body = _uninstall(ws.team_id)
        headers = {"Content-Type": "application/json"}
        headers.update(
            slack_headers(settings.slack_signing_secret or "", int(time.time()), body.encode())
        )
        response = app.dispatch(BoltRequest(body=body, headers=headers))

    assert response.status == 200
    kept = store.find_bot(enterprise_id=None, team_id=ws.team_id)
    assert kept is not None, "the reinstall made after the uninstall's transaction is kept"
    assert kept.bot_token == "xoxb-reinstalled"
