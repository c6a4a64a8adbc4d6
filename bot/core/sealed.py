"""Modal metadata the bot can tell it wrote: text plus an HMAC-SHA256 tag.

A modal's `private_metadata` travels through Slack and comes back with the
submission, and a request can carry any. What only says where to re-draw a list
(a message, a response URL) is sealed when the modal opens and refused unsealed
when it is submitted; the ids in it are still checked against the request itself
(`bot.services.permissions`), and the person is always the one Slack signed.
"""

from __future__ import annotations

import hashlib
import hmac

SEPARATOR = "."
TAG_CHARS = 32  # 128 bits of the SHA-256 tag, in hex


def seal(key: bytes, text: str) -> str:
    return f"{_tag(key, text)}{SEPARATOR}{text}"


def unseal(key: bytes, sealed: str) -> str | None:
    """The text `seal` sealed with `key`; None for anything else."""
    tag, separator, text = sealed.partition(SEPARATOR)
    if not separator or not hmac.compare_digest(_bytes(tag), _bytes(_tag(key, text))):
        return None
    return text


def _tag(key: bytes, text: str) -> str:
    digest = hmac.new(key, b"modal-metadata\0" + _bytes(text), hashlib.sha256)
    return digest.hexdigest()[:TAG_CHARS]


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # JSON may carry a lone surrogate
