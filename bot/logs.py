"""Structured logs: one JSON object per line, never a token or a secret."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

SECRET = re.compile(r"(xox[abposr]-|xapp-)[A-Za-z0-9-]+|(Token token=)\S+|(Bearer )\S+")
BOLT = "slack_bolt"
BOLT_LINE_LIMIT = 200
# Where Bolt's lines start quoting a request: "Unhandled request ({'type': ...})",
# "request body: ...", "Invalid request signature detected (signature: ..., body: ...)",
# and the multi-line code suggestions that follow an unhandled request.
BOLT_BODY_MARKERS = ("{", "body:", "body=", "\n")


def redact(text: str) -> str:
    return SECRET.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        if record.exc_info:
            line["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class WithoutRequestBodies(logging.Filter):
    """Bolt's records: below the `slack_bolt` logger's level dropped, the rest cut short
    where they start quoting a request. Other records pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != BOLT and not record.name.startswith(BOLT + "."):
            return True
        if record.levelno < logging.getLogger(BOLT).getEffectiveLevel():
            return False
        message = record.getMessage()
        found = [at for at in (message.find(m) for m in BOLT_BODY_MARKERS) if at >= 0]
        if found and "(" in message:
            found.append(message.index("("))  # "... detected (signature: ..., body: ...)"
        cut = min(found, default=len(message))
        if min(cut, BOLT_LINE_LIMIT) < len(message):
            record.msg = (
                message[: min(cut, BOLT_LINE_LIMIT)].rstrip(" (:") + " [request not logged]"
            )
            record.args = None
        return True


WITHOUT_REQUEST_BODIES = WithoutRequestBodies()


def bolt_logger() -> logging.Logger:
    """The logger to build Bolt's App with (`App(logger=...)`).

    Bolt logs through a logger per class (`slack_bolt.RequestVerification`, ...), and one
    made without a base logger takes the root's level when it is made (INFO), whatever
    the `slack_bolt` logger's level says. Given a base logger, Bolt copies its level and
    filters onto each one instead (`slack_bolt.logger._configure_from_base_logger`): so
    this is `slack_bolt` itself, carrying the filter that keeps requests out of the log.
    `configure`'s handler applies the same filter to whatever Bolt logs elsewhere.
    """
    logger = logging.getLogger(BOLT)
    if WITHOUT_REQUEST_BODIES not in logger.filters:
        logger.addFilter(WITHOUT_REQUEST_BODIES)
    return logger


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr from `level` (LOG_LEVEL: DEBUG, INFO, WARNING or ERROR) up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(WITHOUT_REQUEST_BODIES)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs request headers at DEBUG; keep them out whatever the level.
    # Alembic narrates every context it opens; the start-up check is not news.
    # These loggers' own level decides for them, so it is never below the root's.
    quiet = max(logging.WARNING, root.level)
    for name in ("slack_sdk", "slack_bolt", "alembic"):
        logging.getLogger(name).setLevel(quiet)
