"""The composition root: every outbound client built from the settings, in one place."""

from __future__ import annotations

import httpx

from bot.clients import build_client, build_clients
from bot.config import Settings

PD_URL = "https://api.pagerduty.test"


def test_pagerduty_calls_go_through_the_transport_given() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"incident": {"id": "PT4KHLK"}})

    settings = Settings(pagerduty_api_token="pd-token", pagerduty_api_url=PD_URL)
    clients = build_clients(settings, transport=httpx.MockTransport(answer))
    assert clients.pagerduty is not None
    try:
        assert clients.pagerduty.get_incident("PT4KHLK") == {"id": "PT4KHLK"}
    finally:
        clients.close()
    assert [str(request.url) for request in seen] == [f"{PD_URL}/incidents/PT4KHLK"]
    assert seen[0].headers["Authorization"] == "Token token=pd-token"


def test_without_a_pagerduty_token_there_is_no_pagerduty_client() -> None:
    clients = build_clients(Settings())
    assert clients.pagerduty is None
    clients.close()  # nothing to close


def test_slack_is_pointed_at_the_configured_api_and_waits_out_rate_limits() -> None:
    settings = Settings(slack_bot_token="xoxb-test", slack_api_url="http://127.0.0.1:4000/api/")
    clients = build_clients(settings)
    assert clients.slack.base_url == "http://127.0.0.1:4000/api/"
    assert clients.slack.token == "xoxb-test"
    handlers = {type(handler).__name__ for handler in clients.slack.retry_handlers}
    assert handlers == {"ConnectionErrorRetryHandler", "RateLimitErrorRetryHandler"}


def test_a_slack_client_already_built_is_used_as_it_is() -> None:
    settings = Settings(slack_bot_token="xoxb-test")
    bolts = build_client(settings)
    assert build_clients(settings, slack=bolts).slack is bolts
