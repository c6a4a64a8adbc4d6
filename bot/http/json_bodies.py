"""JSON from a sender whose signature checked out, read so that no shape of it raises.

Signed is not the same as well formed: a bad deploy on the sender's side, or a secret
that leaked, must get a 400, not a traceback. Nesting is capped because Bolt deep-copies
every request it hands a lazy listener, and a document nested a few hundred deep
overflows the stack there (or in `json` itself) long before 1 MiB.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.http.refusal import Refused

MAX_DEPTH = 64  # Slack's deepest payloads (a modal's state, rich text) nest about 10 deep
MALFORMED = 400


def load_object(text: str | bytes) -> dict[str, Any]:
    """The JSON object in `text`; Refused(400) for anything else, however it goes wrong."""
    size = len(text)
    try:
        document = json.loads(text)
    except RecursionError:
        raise Refused(MALFORMED, "too_deep", size) from None
    except UnicodeDecodeError:
        raise Refused(MALFORMED, "not_utf8", size) from None
    except ValueError:  # JSONDecodeError, and ints too long to convert
        raise Refused(MALFORMED, "not_json", size) from None
    if not isinstance(document, dict):
        raise Refused(MALFORMED, "not_an_object", size)
    if depth_exceeds(document, MAX_DEPTH):
        raise Refused(MALFORMED, "too_deep", size)
    return document


def depth_exceeds(document: object, limit: int) -> bool:
    """Whether containers nest more than `limit` deep, walked without recursion."""
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
