"""What the tracker stand-ins (GitHub's, Jira's) share: the calls they record, refusals
queued by the test, answers lost after filing, a slow answer (`delay_seconds`), and the
JSON body of a request.

A subclass says where it is mounted (`prefix`), answers a request (`_answer`), and says
how its tracker words a queued refusal (`_refused`); `route` records every call.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from bot.sandbox.wire import Request, Response


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int
    body: dict[str, Any] | None


@dataclass
class Refusal:
    status: int
    times: int
    headers: dict[str, str]


class TrackerStandIn:
    """The calls made, refusals to come and answers to lose, under one lock."""

    prefix = ""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self._refusals: list[Refusal] = []
        self._lost = 0
        self.delay_seconds = 0.0  # every answer waits this long first, outside the lock

    def refuse(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        with self.lock:
            self._refusals.append(Refusal(status, times, dict(headers or {})))

    def lose_answers(self, count: int = 1) -> None:
        with self.lock:
            self._lost += count

    def route(self, request: Request) -> Response:
        if self.delay_seconds:  # a slow tracker: two requests are in flight together
            time.sleep(self.delay_seconds)
        with self.lock:
            path = request.path.removeprefix(self.prefix)
            body = json_object(request.body)
            response = self._answer(request, path, body)
            self.calls.append(Call(request.method, path, response.status, body))
            return response

    def _answer(self, request: Request, path: str, body: dict[str, Any] | None) -> Response:
        raise NotImplementedError

    def _refused(self, refusal: Refusal) -> Response:
        raise NotImplementedError

    def _next_refusal(self) -> Response | None:
        if not self._refusals:
            return None
        refusal = self._refusals[0]
        refusal.times -= 1
        if refusal.times <= 0:
            self._refusals.pop(0)
        if refusal.status >= 500:
            return Response(refusal.status, b"", "text/html", headers=refusal.headers)
        return self._refused(refusal)

    def _answer_lost(self) -> Response | None:
        """A 502 in place of the answer to something filed, while answers are to be lost."""
        if not self._lost:
            return None
        self._lost -= 1
        return Response(502, b"", "text/html")


def json_object(body: bytes) -> dict[str, Any] | None:
    """The request's JSON object, or None for an empty body, no JSON or another value."""
    try:
        value = json.loads(body) if body else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
