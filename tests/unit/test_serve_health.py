"""`/healthz` is a write, and a stopping `serve` refuses every request; the signal handling."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from bot.config import Settings
from bot.inbox import health
from bot.server import build_asgi
from bot.shutdown import Gate, GracefulServer
from storage import schema
from storage.db import make_engine, make_sessionmaker
from storage.models import Delivery, utcnow
from storage.repositories import inbox

WAIT = 30.0


def _client(engine: Engine, gate: Gate | None = None) -> TestClient:
    asgi = build_asgi(
        Settings(),
        engine=engine,
        sessions=make_sessionmaker(engine),
        bolt=None,
        gate=gate,
        worker_name="host-a:3000",
    )
    return TestClient(asgi)


def test_healthz_writes_its_row_and_says_how_much_work_waits(engine: Engine) -> None:
    with make_sessionmaker(engine).begin() as session:
        for key in ("Ev1", "Ev2"):
            inbox.add(
                session,
                source="slack",
                kind="event",
                delivery_key=key,
                handler="h",
                payload="{}",
                now=utcnow(),
            )

    first = _client(engine).get("/healthz")
    again = _client(engine).get("/healthz")

    assert first.status_code == 200 and again.status_code == 200
    answer = again.json()
    assert answer["ok"] is True and answer["worker"] == "host-a:3000"
    assert answer["inbox"] == {"pending": 2, "claimed": 0, "done": 0, "dead": 0}
    assert answer["oldest_pending_seconds"] >= 0
    with make_sessionmaker(engine)() as session:
        rows = session.scalars(select(Delivery).where(Delivery.source == health.SOURCE)).all()
        assert [row.delivery_id for row in rows] == ["host-a:3000"], "one row, rewritten"


def test_healthz_is_not_ready_when_the_database_takes_no_writes(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    schema.upgrade(make_engine(f"sqlite:///{path}"))
    read_only = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")

    answer = _client(read_only).get("/healthz")

    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "database": "unwritable", "worker": "host-a:3000"}


def test_once_stopping_every_request_is_answered_503(engine: Engine) -> None:
    gate = Gate()
    client = _client(engine, gate)
    assert client.get("/healthz").status_code == 200

    gate.close()

    for answer in (client.get("/healthz"), client.post("/pagerduty/webhook", content=b"{}")):
        assert answer.status_code == 503
        assert answer.json()["stopping"] is True
        assert "x-slack-no-retry" not in answer.headers


def test_the_first_signal_drains_then_exits_and_a_second_forces_it() -> None:
    gate, drained, release = Gate(), threading.Event(), threading.Event()

    def drain() -> None:
        drained.set()
        release.wait(WAIT)

    server = GracefulServer(uvicorn.Config(app=None), gate=gate, drain=drain)
    server.handle_exit(signal.SIGTERM, None)

    assert gate.closed and drained.wait(WAIT)
    assert not server.should_exit, "uvicorn keeps answering (503) while the drain runs"
    release.set()
    _wait(lambda: server.should_exit)
    assert not server.force_exit

    server.handle_exit(signal.SIGINT, None)
    assert server.force_exit


def test_the_signals_are_not_raised_again_after_serving() -> None:
    server = GracefulServer(uvicorn.Config(app=None), gate=Gate(), drain=lambda: None)
    before = signal.getsignal(signal.SIGTERM)

    with server.capture_signals():
        assert signal.getsignal(signal.SIGTERM) == server.handle_exit

    assert signal.getsignal(signal.SIGTERM) == before
    assert not server._captured_signals


def _wait(condition: Callable[[], bool]) -> None:
    """Re-check `condition` every 10 ms until it holds; fail after WAIT seconds."""
    ticks = threading.Event()
    for _ in range(int(WAIT * 100)):
        if condition():
            return
        ticks.wait(0.01)
    pytest.fail("condition still false")
