"""Whether a person belongs to a channel, from `conversations.members`, a page at a time.

A modal says nothing of the channel it was opened from, so what it asks to change
is checked against the person's membership of the post-mortem's channel
(`bot.services.permissions`). A channel the bot cannot see counts as not theirs.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

MEMBERS_LIMIT = 1000  # the most one page may hold
NOT_VISIBLE = frozenset({"channel_not_found", "not_in_channel", "missing_scope"})


def is_member(client: WebClient, channel_id: str, user_id: str) -> bool:
    try:
        for page in client.conversations_members(channel=channel_id, limit=MEMBERS_LIMIT):
            if user_id in (page.get("members") or ()):
                return True
    except SlackApiError as error:
        if error.response.get("error") in NOT_VISIBLE:
            return False
        raise
    return False
