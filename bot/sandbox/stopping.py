"""Stopping cleanly on SIGINT, SIGTERM and SIGHUP.

Inside `stop_on_signals()` the first of those signals becomes `Stopped`, raised
in the main thread wherever it is, so every `finally` and `with` on the way out
runs (the child bot is stopped, temp folders go). Later signals are ignored
while that cleanup runs. `held()` delays a signal to the end of a short block
that must not be cut in half, such as starting a child and recording it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Stopped(BaseException):
    """A stop signal arrived. A BaseException, so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        """The shell's convention: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM)."""
        return 128 + self.signum


class _State:
    def __init__(self) -> None:
        self.installed = False
        self.received: int | None = None
        self.holding = 0
        self.pending = False


_state = _State()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _state.received is not None:
        return  # already stopping: let the cleanup finish
    _state.received = signum
    if _state.holding:
        _state.pending = True
        return
    raise Stopped(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn the stop signals into `Stopped` for the duration (main thread only; elsewhere
    signals cannot be handled and this does nothing)."""
    if threading.current_thread() is not threading.main_thread() or _state.installed:
        yield
        return
    previous = {signum: signal.signal(signum, _on_signal) for signum in STOP_SIGNALS}
    _state.installed, _state.received, _state.pending = True, None, False
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _state.installed = False


@contextmanager
def held() -> Iterator[None]:
    """Run the block whole: a stop signal arriving meanwhile is raised when it ends."""
    _state.holding += 1
    try:
        yield
    finally:
        _state.holding -= 1
        if not _state.holding and _state.pending:
            _state.pending = False
            raise Stopped(_state.received or signal.SIGTERM)
