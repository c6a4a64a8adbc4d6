"""How `serve` stops on SIGTERM or SIGINT: refuse new work, finish or hand back the rest, exit 0.

uvicorn's own `Server` shuts down on the first signal at once (in about 0.1 s when
nothing is in flight), then raises the signal again once it is done
(`Server.capture_signals`), so the process dies of the signal, not with 0, and
whatever its threads were doing after the ack was lost. `GracefulServer` takes the
signals instead:

1. The first SIGTERM or SIGINT closes the `Gate`: from then on every request is
   answered 503 (`RefuseWhileStopping`), which Slack and PagerDuty retry, at another
   replica or at this one restarted; `/healthz` says 503 too, so a load balancer stops
   sending. The port stays open meanwhile: a refused connection would be retried too,
   but a 503 says why.
2. `drain` runs in a thread of its own: the inbox worker finishes its items within the
   grace period or hands them back, the scheduler stops (`bot.server`).
3. Then uvicorn shuts down as usual, and `serve` returns: the exit status is 0.

A second signal during the drain makes uvicorn exit at once (its `force_exit`).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Generator
from types import FrameType

import uvicorn
from slack_bolt.adapter.socket_mode import SocketModeHandler
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.inbox import Worker

logger = logging.getLogger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)
RETRY_AFTER_SECONDS = 5


class Gate:
    """Open while serving; closed for good from the first stop signal."""

    def __init__(self) -> None:
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        self._closed.set()


class RefuseWhileStopping:
    """ASGI middleware: once the gate is closed, every request is answered 503 unread."""

    def __init__(self, app: ASGIApp, gate: Gate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.gate.closed:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"ok": False, "error": "stopping", "stopping": True},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Connection": "close"},
        )
        await response(scope, receive, send)


class GracefulServer(uvicorn.Server):
    """uvicorn's Server, stopped as the module docstring says; `drain` is what to finish."""

    def __init__(self, config: uvicorn.Config, *, gate: Gate, drain: Callable[[], None]) -> None:
        super().__init__(config)
        self._gate = gate
        self._drain = drain

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Our handlers while serving, the previous ones after; no signal raised again."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._gate.closed:
            logger.warning("second stop signal (%s): exiting now", signal.Signals(sig).name)
            self.force_exit = True
            self.should_exit = True
            return
        logger.info(
            "stop signal (%s): refusing new requests, finishing the work in progress",
            signal.Signals(sig).name,
        )
        self._gate.close()
        threading.Thread(target=self._drain_then_exit, name="stopping", daemon=True).start()

    def _drain_then_exit(self) -> None:
        try:
            self._drain()
        except Exception:
            logger.exception("stopping: the drain failed; exiting anyway")
        finally:
            self.should_exit = True


class Drain:
    """What `serve` winds down, once and in this order: Socket Mode stops receiving, the
    inbox worker finishes or hands back its items within `grace_seconds`, the jobs stop."""

    def __init__(
        self,
        grace_seconds: float,
        *,
        worker: Worker,
        jobs: Callable[[], None],
        socket_mode: SocketModeHandler | None = None,
    ) -> None:
        self.grace_seconds = grace_seconds
        self._worker = worker
        self._jobs = jobs
        self._socket_mode = socket_mode
        self._lock = threading.Lock()
        self._done = False

    def __call__(self, *, wait: bool = True) -> None:
        """Wind down; a second call waits for the first (or, `wait=False`, leaves it be)."""
        if not self._lock.acquire(blocking=wait):
            return
        try:
            if self._done:
                return
            self._done = True
            if self._socket_mode is not None:
                self._socket_mode.close()
            released = self._worker.stop(self.grace_seconds)
            self._jobs()
            logger.info("stopped: inbox items handed back=%d", released)
        finally:
            self._lock.release()
