"""Is this request from Slack: `X-Slack-Signature` over the raw bytes, checked here only.

Slack signs `v0:{timestamp}:{body}` with HMAC-SHA256 under the app's signing secret
(https://api.slack.com/authentication/verifying-requests-from-slack). This is the one
place the bot checks it: Bolt's own check (`request_verification_enabled`) is off in
`bot.app.build_app`, because Bolt only sees requests that passed this one, already parsed.

The headers are checked before the body is read, so a request without a plausible
signature costs nothing; the HMAC is computed on bytes, so a body that is not UTF-8 is
just a bad signature (slack_sdk's SignatureVerifier decodes it first, and `int()`s a
timestamp that may not be a number).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.http.refusal import Refused

MAX_AGE_SECONDS = 5 * 60  # Slack's advice: older (or newer) than this may be a replay
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-fA-F]{64}")
UNAUTHORIZED = 401


@dataclass(frozen=True)
class SignedHeaders:
    timestamp: str
    signature: str


def check_headers(
    headers: Mapping[str, str], *, size: int, clock: Callable[[], float] = time.time
) -> SignedHeaders:
    """The timestamp and signature, or Refused(401) when they could not be Slack's."""
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature:
        raise Refused(UNAUTHORIZED, "unsigned", size)
    if not TIMESTAMP.fullmatch(timestamp):
        raise Refused(UNAUTHORIZED, "bad_timestamp", size)
    if abs(clock() - int(timestamp)) > MAX_AGE_SECONDS:
        raise Refused(UNAUTHORIZED, "stale_timestamp", size)
    if not SIGNATURE.fullmatch(signature):
        raise Refused(UNAUTHORIZED, "bad_signature", size)
    return SignedHeaders(timestamp, signature.lower())


def check_signature(signing_secret: str, signed: SignedHeaders, body: bytes) -> None:
    """Refused(401) unless `signed.signature` is Slack's HMAC of this body at that time."""
    base = b"v0:" + signed.timestamp.encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(f"v0={digest}".encode(), signed.signature.encode()):
        raise Refused(UNAUTHORIZED, "bad_signature", len(body))
