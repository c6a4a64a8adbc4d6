"""Redrawing a published summary (after a revoke, a second publish) fits it to Slack's
limits the way its first post was fitted, so a summary that grew is shortened, not refused."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.flows.publishing import _update
from bot.slack.limits import MESSAGE_BLOCKS, MESSAGE_TEXT, SECTION_TEXT


class Recorder:
    """Takes chat.update as Slack would, keeping what it was sent; `gone` answers as for
    a deleted message."""

    def __init__(self, gone: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gone = gone

    def chat_update(self, **message: Any) -> dict[str, Any]:
        if self.gone:
            response = SlackResponse(
                client=None, http_verb="POST", api_url="chat.update", req_args={},
                data={"ok": False, "error": "message_not_found"}, headers={}, status_code=200,
            )  # fmt: skip
            raise SlackApiError("message_not_found", response)
        self.sent.append(message)
        return {"ok": True, "ts": message["ts"]}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_a_grown_summary_is_redrawn_within_slacks_limits() -> None:
    client = Recorder()
    blocks = [section("x" * (SECTION_TEXT + 500))] + [section(f"line {n}") for n in range(70)]

    ts = _update(client, "C1", "1.0", "y" * (MESSAGE_TEXT + 10), blocks)  # type: ignore[arg-type]

    assert ts == "1.0"
    (sent,) = client.sent
    assert len(sent["blocks"]) == MESSAGE_BLOCKS
    assert len(sent["blocks"][0]["text"]["text"]) <= SECTION_TEXT
    assert len(sent["text"]) <= MESSAGE_TEXT


def test_a_summary_deleted_meanwhile_is_no_redraw() -> None:
    assert _update(Recorder(gone=True), "C1", "1.0", "t", [section("s")]) is None  # type: ignore[arg-type]
    assert _update(Recorder(), "C1", None, "t", [section("s")]) is None  # type: ignore[arg-type]
