"""How slowly the sandbox's Web API answers, per method: a delay, or a hold until released.

    sb.latency.slow("users.info", 0.5)     # every call waits half a second first
    sb.latency.hold("users.info")          # calls wait until released (or HOLD_LIMIT)
    sb.latency.hold("conversations.history", after=1)  # the first call passes, the next wait
    sb.wait_for(lambda: sb.latency.waiting("users.info") >= 1)
    sb.latency.release("users.info")
    sb.latency.drop("chat.postMessage")    # or: the held calls end unheard (a crash before
                                           # the request reached Slack), nothing done

The wait happens before the sandbox's lock is taken, so other calls and the people in
the sandbox go on meanwhile. A held call is answered normally once released; a caller
that gave up meanwhile (its timeout, its process killed) just never reads the answer.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

HOLD_LIMIT = 120.0  # a forgotten hold still ends


class Dropped(Exception):
    """A held call that `drop` ended: Slack never acted on it (the server answers 500)."""


class Latency:
    def __init__(self, changed: Callable[[], None] = lambda: None) -> None:
        self._lock = threading.Lock()
        self._delays: dict[str, float] = {}
        self._holds: dict[str, threading.Event] = {}
        self._dropped: set[int] = set()  # ids of the gates `drop` opened
        self._passes: Counter[str] = Counter()  # calls a hold still lets through
        self._waiting: Counter[str] = Counter()
        self._changed = changed  # wakes `Sandbox.wait_for`

    def slow(self, method: str, seconds: float) -> None:
        """Delay every call to `method` by `seconds` (0 removes the delay)."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def hold(self, method: str, *, after: int = 0) -> None:
        """Keep every call to `method` waiting until `release`; the first `after` calls
        from now pass (to hold page 2 of a walk, say)."""
        with self._lock:
            self._holds.setdefault(method, threading.Event())
            self._passes[method] = after

    def release(self, method: str | None = None) -> None:
        """Let the held calls to `method` (to every method without one) go on."""
        with self._lock:
            methods = [method] if method is not None else list(self._holds)
            for name in methods:
                gate = self._holds.pop(name, None)
                if gate is not None:
                    gate.set()

    def drop(self, method: str) -> None:
        """End the held calls to `method` as if they never reached Slack: nothing is done
        for them (a bot killed before its request was sent)."""
        with self._lock:
            gate = self._holds.pop(method, None)
            if gate is not None:
                self._dropped.add(id(gate))
                gate.set()

    def waiting(self, method: str) -> int:
        """How many calls to `method` are being held or delayed right now."""
        with self._lock:
            return self._waiting[method]

    def before(self, method: str) -> None:
        """Called by the server before it answers a call to `method`."""
        with self._lock:
            delay, gate = self._delays.get(method, 0.0), self._holds.get(method)
            if gate is not None and self._passes[method] > 0:
                self._passes[method] -= 1
                gate = None
            if not delay and gate is None:
                return
            self._waiting[method] += 1
        self._changed()
        try:
            if gate is not None:
                gate.wait(HOLD_LIMIT)
                with self._lock:
                    if id(gate) in self._dropped:
                        raise Dropped(method)
            if delay:
                time.sleep(delay)
        finally:
            with self._lock:
                self._waiting[method] -= 1
            self._changed()
