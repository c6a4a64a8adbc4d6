"""Structured logs: one JSON object per line, never a token or a secret."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

SECRET = re.compile(r"(xox[abposr]-|xapp-)[A-Za-z0-9-]+|(Token token=)\S+|(Bearer )\S+")


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


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr from `level` (LOG_LEVEL: DEBUG, INFO, WARNING or ERROR) up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs request headers at DEBUG; keep them out whatever the level.
    # Alembic narrates every context it opens; the start-up check is not news.
    # These loggers' own level decides for them, so it is never below the root's.
    quiet = max(logging.WARNING, root.level)
    for name in ("slack_sdk", "slack_bolt", "alembic"):
        logging.getLogger(name).setLevel(quiet)
