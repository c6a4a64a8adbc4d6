"""Reading a verified Slack body: JSON for events, a form for commands and interactions.

Slack posts the Events API as JSON, slash commands as a form, and interactions as a form
whose one field, `payload`, holds JSON. Bolt's own reader
(`slack_bolt.request.internals.parse_body`, 1.30) decides "interaction" when the word
`payload` appears anywhere in the body, so a command titled "Checkout rejects every
payload", or typed in a channel named `inc-payload-api`, reached Bolt as `{}` and was
answered 404 "unhandled request". Here a form is an interaction only when it has a
field named `payload`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from bot.http import slack_needs, slack_shapes
from bot.http.json_bodies import MALFORMED, load_object
from bot.http.refusal import Refused

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 200  # a slash command sends about 15


def parse(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt reads it, or Refused(400): not UTF-8, not JSON, not Slack's shape."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(MALFORMED, "not_utf8", len(body)) from None
    if not text:
        raise Refused(MALFORMED, "empty", 0)
    parsed = load_object(text) if _is_json(text, content_type) else _form(text)
    if slack_shapes.mismatch(parsed) is not None or slack_needs.missing(parsed) is not None:
        raise Refused(MALFORMED, "unexpected_shape", len(body))
    return parsed


def _is_json(text: str, content_type: str | None) -> bool:
    """By the declared type; without one (or with another) as Bolt guesses: `{` is JSON."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type in (JSON, FORM):
        return media_type == JSON
    return text.lstrip().startswith("{")


def _form(text: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS
        )
    except UnicodeDecodeError:  # a %-escape that is not UTF-8
        raise Refused(MALFORMED, "not_utf8", len(text)) from None
    except ValueError:  # more fields than any Slack form has
        raise Refused(MALFORMED, "bad_form", len(text)) from None
    form = dict(pairs)  # a repeated field keeps its last value, as in Bolt
    if "payload" in form:
        return load_object(form["payload"])
    return form
