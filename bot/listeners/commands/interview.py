"""`/postmortem interview`: ask the interview's open question again in the thread."""

from __future__ import annotations

from bot.flows.interview_thread import ask_in_channel
from bot.listeners.command_line import Family, Invocation

FAMILY = Family(__name__)


@FAMILY.subcommand(
    "interview",
    usage="interview",
    summary="ask the interview's open question again in the thread",
)
def resume(invocation: Invocation) -> None:
    ask_in_channel(invocation.client, invocation.deps, invocation.team_id, invocation.channel_id)
