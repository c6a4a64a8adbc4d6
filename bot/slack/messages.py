"""The bot's own short messages, as (fallback text, blocks)."""

from __future__ import annotations

from bot.core.slack_text import escape, mention
from bot.slack import blocks
from bot.templates import Templates
from storage.models import Postmortem

Message = tuple[str, list[blocks.Block]]


def opening(postmortem: Postmortem, templates: Templates, key_reaction: str) -> Message:
    body = templates.render(
        "slack/opening.mrkdwn.j2", severity=postmortem.severity, key_reaction=key_reaction
    )
    started = (
        f"Started by {mention(postmortem.created_by)} · lead {mention(postmortem.lead_user_id)}"
    )
    return f"Post-mortem started: {escape(postmortem.title)}", [
        blocks.header(f"Post-mortem: {postmortem.title}"),
        blocks.section(body),
        blocks.context(started),
    ]


def already_running(postmortem: Postmortem, permalink: str | None) -> str:
    where = (
        f"<{permalink}|{escape(postmortem.title)}>"
        if permalink
        else f"*{escape(postmortem.title)}*"
    )
    return f"A post-mortem is already running in this channel: {where}. Reply in its thread."


NOT_IN_CHANNEL = (
    "I am not a member of this channel, so I cannot post here or read its history. "
    "Invite me with `/invite @Postmortem` and run `/postmortem start` again."
)
