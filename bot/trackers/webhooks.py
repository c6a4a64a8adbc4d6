"""What the trackers' webhook parsers share: the raw body read as one JSON object (pure)."""

from __future__ import annotations

import json
from typing import Any

from bot.errors import BadArguments


def json_document(body: bytes) -> dict[str, Any]:
    """The webhook's body as a JSON object; `BadArguments` when it is not one."""
    try:
        document = json.loads(body)
    except ValueError:
        raise BadArguments("the body is not JSON") from None
    if not isinstance(document, dict):
        raise BadArguments("the body is not a JSON object")
    return document
