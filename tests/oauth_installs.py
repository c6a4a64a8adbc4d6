"""Installing the bot in a workspace by OAuth, as an admin's browser does, for scenario tests.

The real bot runs with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET and no bot token (`oauth_env`).
/slack/install sends the browser to Slack's consent screen, the sandbox stands in for
the admin clicking Allow (a code), and the browser comes back to /slack/oauth_redirect
with code and state.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography.fernet import Fernet

from bot.oauth import AUTHORIZE_URL
from bot.sandbox import Sandbox

STATE_COOKIE = "slack-app-oauth-state"
TOKEN_KEY = Fernet.generate_key().decode()


def oauth_env(sandbox: Sandbox) -> dict[str, str]:
    """The settings of multi-workspace mode: client id and secret, no bot token."""
    return {
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": sandbox.installs.client_id,
        "SLACK_CLIENT_SECRET": sandbox.installs.client_secret,
        "TOKEN_ENCRYPTION_KEY": TOKEN_KEY,
    }


def begin_install(browser: httpx.Client) -> tuple[dict[str, list[str]], str]:
    """GET /slack/install; the authorize URL's query, and the state cookie set with it.

    The cookie is `Secure`, so httpx would not send it back over http: send it by hand.
    """
    response = browser.get("/slack/install")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{AUTHORIZE_URL}?")
    cookie = response.headers["set-cookie"].split(";")[0]
    return parse_qs(urlsplit(location).query), cookie


def come_back(browser: httpx.Client, code: str, state: str, cookie: str) -> httpx.Response:
    return browser.get(
        "/slack/oauth_redirect", params={"code": code, "state": state}, headers={"Cookie": cookie}
    )


def install(sandbox: Sandbox, browser: httpx.Client, team_id: str, name: str) -> httpx.Response:
    """The whole round: the admin of `team_id` installs the bot there."""
    query, cookie = begin_install(browser)
    code = sandbox.authorize_install(team_id, name, scopes=query["scope"][0])
    return come_back(browser, code, query["state"][0], cookie)
