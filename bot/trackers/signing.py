"""`sha256=<hex>`: HMAC-SHA256 of a webhook's raw body under its secret (pure).

GitHub sends it as `X-Hub-Signature-256`, Jira Cloud (a webhook registered with a
secret) as `X-Hub-Signature`; one check for both, in constant time.
"""

from __future__ import annotations

import hashlib
import hmac


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str, secrets: tuple[str, ...]) -> bool:
    given = header.strip()
    return any(hmac.compare_digest(signature(body, s), given) for s in secrets if s)
