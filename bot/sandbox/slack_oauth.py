"""Installing the app in more workspaces: Slack's OAuth v2 as the sandbox plays it.

A test plays the admin on Slack's consent screen: `authorize` makes the
workspace (if new) and returns the code Slack would append to the app's
redirect URL; `oauth.v2.access` exchanges that code, once, for the workspace's
bot token. Only then does the sandbox accept the token. Every workspace is a
`SlackWorkspace` of its own (channels, users, calls), sharing the sandbox lock.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.slack_api import Body, Params, required, text_param
from bot.sandbox.slack_model import SlackFailure
from bot.sandbox.slack_state import SlackWorkspace

CLIENT_ID = "1000000001.2000000002"
CLIENT_SECRET = "sandbox-client-secret"
CODE_TTL_SECONDS = 600.0  # Slack's codes expire after ten minutes
INSTALLER = "U0INSTALLER"


@dataclass(frozen=True)
class Grant:
    """What an admin agreed to on the consent screen, waiting to be exchanged."""

    team_id: str
    user_id: str
    scopes: str
    redirect_uri: str | None
    issued: float


class SlackInstalls:
    """The app as Slack knows it: its credentials, codes not yet exchanged, its workspaces."""

    client_id = CLIENT_ID
    client_secret = CLIENT_SECRET

    def __init__(
        self,
        first: SlackWorkspace,
        lock: threading.Condition,
        new_workspace: Callable[[str, str], SlackWorkspace],
    ) -> None:
        self.first = first
        self.lock = lock
        self._new_workspace = new_workspace
        self.teams: dict[str, SlackWorkspace] = {first.team_id: first}
        self._tokens: dict[str, SlackWorkspace] = {first.bot_token: first}
        self._grants: dict[str, Grant] = {}

    def team(self, team_id: str) -> SlackWorkspace:
        with self.lock:
            return self.teams[team_id]

    def by_token(self, token: str | None) -> SlackWorkspace | None:
        """The workspace whose installed bot token this is (lock held)."""
        return self._tokens.get(token or "")

    def owning(self, has: Callable[[SlackWorkspace], bool]) -> SlackWorkspace:
        """The workspace something belongs to (a response URL, an upload); the first if none."""
        return next((ws for ws in self.teams.values() if has(ws)), self.first)

    def authorize(
        self,
        team_id: str,
        team_name: str,
        *,
        user_id: str = INSTALLER,
        scopes: str = "",
        redirect_uri: str | None = None,
    ) -> str:
        """An admin of `team_id` approves the install; returns the code for the redirect."""
        with self.lock:
            ws = self.teams.get(team_id)
            if ws is None:
                ws = self.teams[team_id] = self._new_workspace(team_id, team_name)
            if user_id not in ws.users:
                ws.add_user(user_id, "installer", real_name="Installing admin")
            code = f"{team_id}.{secrets.token_hex(12)}"
            grant = Grant(team_id, user_id, scopes, redirect_uri, time.monotonic())
            self._grants[code] = grant
            return code

    def exchange(self, params: Params, credentials: tuple[str, str] | None) -> Body:
        """`oauth.v2.access`: the code, once, for the bot token (lock held)."""
        client_id, secret = credentials or (
            text_param(params, "client_id"),
            text_param(params, "client_secret"),
        )
        if client_id != self.client_id:
            raise SlackFailure("invalid_client_id")
        if secret != self.client_secret:
            raise SlackFailure("bad_client_secret")
        grant = self._grants.pop(required(params, "code", "invalid_code"), None)
        if grant is None or time.monotonic() - grant.issued > CODE_TTL_SECONDS:
            raise SlackFailure("invalid_code")
        if grant.redirect_uri and text_param(params, "redirect_uri") != grant.redirect_uri:
            raise SlackFailure("bad_redirect_uri")
        ws = self.teams[grant.team_id]
        self._tokens[ws.bot_token] = ws
        self.lock.notify_all()
        return access_response(ws, grant)

    def issue_token(self, team_id: str, token: str) -> None:
        """Slack gives the installed bot of `team_id` another working token, as token
        rotation does (`oauth.v2.access` with a refresh token)."""
        with self.lock:
            self._tokens[token] = self.teams[team_id]

    def uninstall(self, team_id: str) -> None:
        """An admin of `team_id` removes the app: its bot token stops working at once
        (calls with it are refused `invalid_auth`); the workspace and its record stay.
        The test then delivers `app_uninstalled` (and `tokens_revoked`) as Slack would."""
        with self.lock:
            ws = self.teams[team_id]
            self._tokens.pop(ws.bot_token, None)
            self.lock.notify_all()


def access_response(ws: SlackWorkspace, grant: Grant) -> Body:
    """oauth.v2.access's answer for a bot-scope install (no user scopes asked)."""
    body: dict[str, Any] = {"access_token": ws.bot_token, "token_type": "bot"}
    body.update(scope=grant.scopes, bot_user_id=ws.bot_user_id, app_id=ws.app_id)
    body.update(team={"id": ws.team_id, "name": ws.team_name}, enterprise=None)
    body.update(authed_user={"id": grant.user_id}, is_enterprise_install=False)
    return body
