"""`/postmortem interview`: ask the interview's open question again in the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.flows.interview_thread import ask_in_channel
from bot.listeners import command_line
from bot.listeners.deps import deps_of


def resume(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ask_in_channel(client, deps_of(context), body["team_id"], body["channel_id"])


HANDLERS = {"interview": resume}
