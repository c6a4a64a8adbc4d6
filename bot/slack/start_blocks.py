"""The bot's own short messages, as (fallback text, blocks)."""

from __future__ import annotations

from typing import Protocol

from bot.core.report_text import as_typed
from bot.core.slack_text import link, mention, quote
from bot.slack import blocks
from bot.templates import Templates

Message = tuple[str, list[blocks.Block]]


class Started(Protocol):
    """What these messages say of a post-mortem (its stored row has all of it)."""

    @property
    def title(self) -> str: ...

    @property
    def severity(self) -> str | None: ...

    @property
    def created_by(self) -> str: ...

    @property
    def lead_user_id(self) -> str: ...


def opening(postmortem: Started, templates: Templates, key_reaction: str) -> Message:
    body = templates.render(
        "slack/opening.mrkdwn.j2", severity=postmortem.severity, key_reaction=key_reaction
    )
    started = (
        f"Started by {mention(postmortem.created_by)} · lead {mention(postmortem.lead_user_id)}"
    )
    return f"Post-mortem started: {quote(postmortem.title)}", [
        blocks.header(f"Post-mortem: {as_typed(postmortem.title)}"),
        blocks.section(body),
        blocks.context(started),
    ]


def already_running(postmortem: Started, permalink: str | None) -> str:
    title = as_typed(postmortem.title)
    where = link(permalink, title) if permalink else f"*{quote(postmortem.title)}*"
    return f"A post-mortem is already running in this channel: {where}. Reply in its thread."


NOT_IN_CHANNEL = (
    "I am not a member of this channel, so I cannot post here or read its history. "
    "Invite me with `/invite @Postmortem` and run `/postmortem start` again."
)
