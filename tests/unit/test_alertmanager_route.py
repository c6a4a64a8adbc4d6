"""`POST /alertmanager/webhook` at the HTTP edge: the bearer token, the body's bounds and
shape, and a 2xx only for what the database kept."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from bot.config import Settings
from bot.http.alertmanager_requests import BODY_LIMIT, bearer_matches
from bot.server import build_asgi
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import MonitoringAlert
from tests import published

TOKEN = "am-webhook-7f3c9d"
FIRING = "alertmanager_webhook_v4.firing.zulip.json"


def _client(engine: Engine, token: str | None = TOKEN) -> TestClient:
    settings = Settings(slack_bot_token="xoxb-test", alertmanager_webhook_token=token)
    asgi = build_asgi(settings, engine=engine, sessions=make_sessionmaker(engine), bolt=None)
    return TestClient(asgi)


def _post(client: TestClient, body: bytes, authorization: str | None) -> tuple[int, dict]:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    answer = client.post("/alertmanager/webhook", content=body, headers=headers)
    return answer.status_code, answer.json()


def _kept(engine: Engine) -> int:
    with make_sessionmaker(engine)() as session:
        return session.scalar(select(func.count()).select_from(MonitoringAlert)) or 0


def test_alertmanager_with_the_token_is_answered_once_it_is_kept_and_resends_add_nothing(
    engine: Engine,
) -> None:
    client, body = _client(engine), published.read_bytes(FIRING)

    first = _post(client, body, f"Bearer {TOKEN}")
    again = _post(client, body, f"bearer {TOKEN}")

    assert first == (200, {"ok": True, "new": 2, "repeated": 0})
    assert again == (200, {"ok": True, "new": 0, "repeated": 2})
    assert _kept(engine) == 2


@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Basic {TOKEN}", "Bearer wrong", f"Bearer {TOKEN}x", f"Bearer{TOKEN}"],
)
def test_a_request_without_the_token_is_refused_and_nothing_is_kept(
    engine: Engine, authorization: str | None
) -> None:
    status, answer = _post(_client(engine), published.read_bytes(FIRING), authorization)

    assert (status, answer) == (401, {"ok": False, "error": "bad token"})
    assert _kept(engine) == 0


def test_without_a_configured_token_every_notification_is_refused(engine: Engine) -> None:
    status, answer = _post(_client(engine, token=None), published.read_bytes(FIRING), "Bearer x")

    assert status == 401
    assert "ALERTMANAGER_WEBHOOK_TOKEN" in answer["error"]
    assert _kept(engine) == 0


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "not_json"),
        (b"[]", "not_an_object"),
        (b'{"version": "3", "alerts": []}', "v4"),
        (b'{"version": "4", "status": "firing", "receiver": "r", "groupKey": "g"}', "alerts"),
    ],
)
def test_a_body_that_is_not_a_v4_notification_is_a_400_saying_why(
    engine: Engine, body: bytes, words: str
) -> None:
    status, answer = _post(_client(engine), body, f"Bearer {TOKEN}")

    assert status == 400
    assert words in answer["error"]


def test_a_body_over_the_limit_is_refused_by_its_length_before_it_is_read(engine: Engine) -> None:
    client = _client(engine)
    headers = {"authorization": f"Bearer {TOKEN}", "content-length": str(BODY_LIMIT + 1)}

    answer = client.post("/alertmanager/webhook", content=b"{}", headers=headers)

    assert answer.status_code == 413


def test_a_chunked_body_is_read_no_further_than_the_limit(engine: Engine) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(BODY_LIMIT // (1 << 16) + 2):
            yield b" " * (1 << 16)

    headers = {"authorization": f"Bearer {TOKEN}"}
    answer = _client(engine).post("/alertmanager/webhook", content=chunks(), headers=headers)

    assert answer.status_code == 413
    assert _kept(engine) == 0


def test_a_database_that_takes_no_write_is_a_503_so_alertmanager_retries(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    schema.upgrade(make_engine(f"sqlite:///{path}"))
    read_only = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")

    status, answer = _post(_client(read_only), published.read_bytes(FIRING), f"Bearer {TOKEN}")

    assert (status, answer) == (503, {"ok": False, "error": "unavailable"})


def test_the_token_is_compared_whole() -> None:
    assert bearer_matches(f"Bearer {TOKEN}", TOKEN)
    assert bearer_matches(f"BEARER  {TOKEN} ", TOKEN)
    assert not bearer_matches(f"Bearer {TOKEN[:-1]}", TOKEN)
    assert not bearer_matches("Bearer ", TOKEN)
    assert not bearer_matches(f"Bearer {TOKEN}é", TOKEN)


def test_alerts_alertmanager_left_out_of_a_notification_are_told_to_the_operator(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A receiver's `max_alerts` cuts a big group: the alerts cut never reach the bot."""
    document = json.loads(published.read_bytes(FIRING))
    document["truncatedAlerts"] = 7
    with caplog.at_level(logging.WARNING, logger="bot.http.alertmanager_requests"):
        status, answer = _post(_client(engine), json.dumps(document).encode(), f"Bearer {TOKEN}")
    assert (status, answer) == (200, {"ok": True, "new": 2, "repeated": 0, "truncated": 7})
    (said,) = [r.getMessage() for r in caplog.records if "truncated" in r.getMessage()]
    assert said.startswith("alertmanager notification truncated: 7 alerts not sent group=")
    assert "max_alerts" in said
