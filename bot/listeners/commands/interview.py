"""`/postmortem interview`: ask the interview's open question again in the thread."""

from __future__ import annotations

from bot.flows.interview_thread import ask_in_channel
from bot.flows.opening import ensure_thread
from bot.listeners.command_line import Family, Invocation

FAMILY = Family(__name__)


@FAMILY.subcommand(
    "interview",
    usage="interview",
    summary="ask the interview's open question again in the thread",
)
def resume(invocation: Invocation) -> None:
    # A start cut short by a crash may have left the post-mortem without its thread.
    ensure_thread(invocation.deps, invocation.client, invocation.team_id, invocation.channel_id)
    ask_in_channel(invocation.client, invocation.deps, invocation.team_id, invocation.channel_id)
