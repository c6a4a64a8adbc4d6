"""A request the edge will not hand on, and the one log line and answer it gets."""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse

logger = logging.getLogger("bot.http")


class Refused(Exception):
    """Why a request is refused: `reason` is a short token for the log, `size` its bytes,
    `answer` what the sender is told (the reason itself unless given)."""

    def __init__(self, status: int, reason: str, size: int = 0, answer: str | None = None) -> None:
        super().__init__(f"{reason} ({status})")
        self.status = status
        self.reason = reason
        self.size = size
        self.answer = answer or reason

    def respond(self, source: str) -> JSONResponse:
        """Log one line without the body and answer; `Connection: close` stops the server
        reading whatever of the body the sender is still sending."""
        logger.warning("%s request refused reason=%s bytes=%d", source, self.reason, self.size)
        return JSONResponse(
            {"ok": False, "error": self.answer},
            status_code=self.status,
            headers={"Connection": "close"},
        )
