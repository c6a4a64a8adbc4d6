"""What the installation lookup costs a request in multi-workspace (OAuth) mode.

Builds the bot's real Bolt app (`bot.app.build_app`) in OAuth mode against the
sandbox, installs workspaces the way the OAuth flow does (the code exchanged at
`oauth.v2.access`, the bot saved in the bot's database, its token encrypted), and
dispatches the same signed slash command (an ack-only probe, so the figure is the
authorization's, not a listener's) from each workspace in turn: once with the
authorize cache the bot runs with (`bot.oauth.CachedAuthorize`), once with it off
(Bolt's default, one `auth.test` per request). The sandbox counts the `auth.test`
calls it answered. Run twice: with the sandbox answering at once, and with every
Web API call delayed as a faraway Slack would be (`--slack-ms`).
Prints figures; asserts nothing.

    python bench/oauth_authorize.py [--requests 600] [--workspaces 3] [--slack-ms 60]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from urllib.parse import urlencode

from cryptography.fernet import Fernet
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot

from bot.app import build_app
from bot.config import Settings
from bot.oauth import CachedAuthorize
from bot.sandbox import Sandbox
from bot.sandbox.signing import slack_headers
from storage import schema
from storage.db import make_engine, make_sessionmaker

SECRET = "bench-signing-secret"


def settings(sandbox: Sandbox, database_url: str) -> Settings:
    return Settings(
        slack_client_id=sandbox.installs.client_id,
        slack_client_secret=sandbox.installs.client_secret,
        token_encryption_key=Fernet.generate_key().decode(),
        slack_signing_secret=SECRET,
        slack_api_url=sandbox.slack_api_url,
        database_url=database_url,
    )


def install(sandbox: Sandbox, app: App, team_id: str) -> None:
    """The OAuth flow's two steps: Slack's code for the bot token, then the store."""
    code = sandbox.authorize_install(team_id, f"Team {team_id}")
    answer = WebClient(base_url=sandbox.slack_api_url).oauth_v2_access(
        client_id=sandbox.installs.client_id,
        client_secret=sandbox.installs.client_secret,
        code=code,
    )
    assert app.installation_store is not None
    app.installation_store.save_bot(
        Bot(
            app_id=answer["app_id"],
            team_id=team_id,
            team_name=f"Team {team_id}",
            bot_token=answer["access_token"],
            bot_id=sandbox.team(team_id).bot_id,
            bot_user_id=answer["bot_user_id"],
            bot_scopes=answer["scope"],
            installed_at=time.time(),
        )
    )


def probe(sandbox: Sandbox, team_id: str) -> BoltRequest:
    form = {"team_id": team_id, "user_id": "U0BENCH", "channel_id": "C0BENCH"}
    form.update(command="/probe", text="", response_url=f"{sandbox.base_url}/response/1")
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers.update(slack_headers(SECRET, int(time.time()), body.encode()))
    return BoltRequest(body=body, headers=headers)


def auth_tests(sandbox: Sandbox, teams: list[str]) -> int:
    return sum(sandbox.team(team).call_count("auth.test") for team in teams)


def run(app: App, sandbox: Sandbox, teams: list[str], requests: int, cached: bool) -> str:
    """One row: p50/p99 of the dispatches and the auth.test calls they cost."""
    assert app.oauth_flow is not None
    authorize = app.oauth_flow.settings.authorize
    assert isinstance(authorize, CachedAuthorize)
    authorize.cache_enabled = cached
    authorize.authorize_result_cache.clear()
    before = auth_tests(sandbox, teams)
    latencies = []
    for n in range(requests):
        request = probe(sandbox, teams[n % len(teams)])
        started = time.perf_counter()
        response = app.dispatch(request)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.body
    calls = auth_tests(sandbox, teams) - before
    cuts = statistics.quantiles(latencies, n=100)
    label = "cache on (the bot)" if cached else "cache off (Bolt's default)"
    return (
        f"  {label:<27} p50 {cuts[49]:7.2f} ms   p99 {cuts[98]:7.2f} ms   "
        f"auth.test calls {calls:>5} for {requests} requests"
    )


def measure(requests: int, workspaces: int, slack_ms: float) -> None:
    with Sandbox(rate_limits=False) as sandbox, tempfile.TemporaryDirectory() as scratch:
        database_url = f"sqlite:///{scratch}/bench.db"
        engine = make_engine(database_url)
        schema.upgrade(engine)
        app = build_app(settings(sandbox, database_url), sessions=make_sessionmaker(engine))
        app.command("/probe")(lambda ack: ack())
        teams = [f"T0BENCH{n:03d}" for n in range(workspaces)]
        for team in teams:
            install(sandbox, app, team)
        if slack_ms:  # the sandbox's router delays the method for every workspace
            sandbox.latency.slow("auth.test", slack_ms / 1000)
        where = f"every auth.test {slack_ms:.0f} ms away" if slack_ms else "sandbox at once"
        print(f"{requests} slash commands from {workspaces} workspaces, {where}:")
        print(run(app, sandbox, teams, requests, cached=True))
        print(run(app, sandbox, teams, requests, cached=False))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--workspaces", type=int, default=3)
    parser.add_argument("--slack-ms", type=float, default=60.0)
    args = parser.parse_args()
    measure(args.requests, args.workspaces, 0.0)
    measure(args.requests, args.workspaces, args.slack_ms)


if __name__ == "__main__":
    main()
