"""Saying in the post-mortem's thread that an action item is done."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.action_item_status import Change
from bot.slack import followup_blocks, limits
from bot.templates import Templates

logger = logging.getLogger(__name__)

UNREACHABLE = frozenset({"channel_not_found", "is_archived", "not_in_channel", "thread_not_found"})


def announce_done(client: WebClient, change: Change, templates: Templates) -> None:
    """`AI-003 done, by …` in the post-mortem's thread (in the channel if it has none)."""
    postmortem = change.postmortem
    text = followup_blocks.item_done_line(templates, change.item, change.by)
    try:
        limits.post_in_thread(client, postmortem.channel_id, postmortem.thread_ts, text, None)
    except SlackApiError as error:
        # The item is done either way; a channel the bot left cannot stop that.
        if error.response.get("error") not in UNREACHABLE:
            raise
        logger.warning("cannot announce %s error=%s", change.item.code, error.response["error"])
