"""oauth.v2.access: a code from the consent screen, exchanged once, makes a workspace's bot token."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import Sandbox

ACME = "T0ACME"


def _app_client(sb: Sandbox) -> WebClient:
    return WebClient(base_url=sb.slack_api_url)


def _exchange(sb: Sandbox, code: str, *, secret: str | None = None, **extra: str) -> dict:
    response = _app_client(sb).oauth_v2_access(
        client_id=sb.installs.client_id,
        client_secret=secret or sb.installs.client_secret,
        code=code,
        **extra,
    )
    return response.data  # type: ignore[return-value]


def test_a_code_becomes_the_new_workspaces_bot_token_in_slacks_shape(sb: Sandbox) -> None:
    code = sb.authorize_install(ACME, "Acme Corp", scopes="commands,chat:write")

    answer = _exchange(sb, code)

    acme = sb.team(ACME)
    assert answer["ok"] is True and answer["token_type"] == "bot"
    assert answer["access_token"] == acme.bot_token != sb.slack.bot_token
    assert answer["bot_user_id"] == acme.bot_user_id != sb.slack.bot_user_id
    assert answer["team"] == {"id": ACME, "name": "Acme Corp"}
    assert answer["scope"] == "commands,chat:write"
    assert answer["authed_user"] == {"id": "U0INSTALLER"}
    assert answer["enterprise"] is None and answer["is_enterprise_install"] is False
    assert answer["app_id"] == sb.slack.app_id


def test_the_token_works_only_after_the_exchange_and_only_in_its_workspace(sb: Sandbox) -> None:
    code = sb.authorize_install(ACME, "Acme Corp")
    acme = sb.team(ACME)
    acme.add_channel("C0ACME", "inc-acme", members=("U0INSTALLER",))
    before = WebClient(base_url=sb.slack_api_url, token=acme.bot_token)
    with pytest.raises(SlackApiError) as refused:
        before.auth_test()
    assert refused.value.response["error"] == "invalid_auth"

    token = _exchange(sb, code)["access_token"]
    client = WebClient(base_url=sb.slack_api_url, token=token)

    assert client.auth_test()["team_id"] == ACME
    client.chat_postMessage(channel="C0ACME", text="hello Acme")
    assert [m["text"] for m in acme.messages("C0ACME")] == ["hello Acme"]
    assert acme.messages("C0ACME")[0]["user"] == acme.bot_user_id
    posted = [c for c in acme.calls if c.method == "chat.postMessage"]
    assert [c.token for c in posted] == [token]
    assert sb.slack.call_count("chat.postMessage") == 0
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.chat_postMessage(channel="C0INC", text="not my workspace")


def test_a_code_is_spent_by_its_first_exchange(sb: Sandbox) -> None:
    code = sb.authorize_install(ACME, "Acme Corp")
    _exchange(sb, code)

    with pytest.raises(SlackApiError) as again:
        _exchange(sb, code)
    assert again.value.response["error"] == "invalid_code"


def test_the_exchange_needs_the_apps_secret_and_the_same_redirect_uri(sb: Sandbox) -> None:
    code = sb.authorize_install(ACME, "Acme Corp", redirect_uri="https://bot.example/r")

    with pytest.raises(SlackApiError) as bad_secret:
        _exchange(sb, code, secret="guessed")
    with pytest.raises(SlackApiError) as bad_redirect:
        _exchange(sb, code, redirect_uri="https://evil.example/r")

    assert bad_secret.value.response["error"] == "bad_client_secret"
    assert bad_redirect.value.response["error"] == "bad_redirect_uri"
