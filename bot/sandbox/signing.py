"""Request signatures, computed the way Slack and PagerDuty compute them.

Slack signs `v0:{timestamp}:{body}` with HMAC-SHA256 and sends the hex digest as
`X-Slack-Signature: v0=<hex>` next to `X-Slack-Request-Timestamp`.
PagerDuty webhooks v3 sign the raw body and send `X-PagerDuty-Signature: v1=<hex>`,
several comma-separated values while a secret rotates.
"""

from __future__ import annotations

import hashlib
import hmac


def slack_signature(signing_secret: str, timestamp: str | int, body: bytes) -> str:
    """The `X-Slack-Signature` value for `body` sent at `timestamp`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def slack_headers(signing_secret: str, timestamp: str | int, body: bytes) -> dict[str, str]:
    """The two headers Slack adds to every request it sends to an app."""
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": slack_signature(signing_secret, timestamp, body),
    }


def pagerduty_signature(secret: str, body: bytes) -> str:
    """One `v1=<hex>` value of `X-PagerDuty-Signature` for `body`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"v1={digest}"
