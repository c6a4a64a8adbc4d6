"""Who is acting, and from where, as Slack signed it: the `Actor` the permissions ask about.

The workspace, the person and the channel come from Bolt's reading of the request
(`context`: `team.id`, else `user.team_id`, the authorizations or the view's team;
`user.id`; `channel.id`), never from a button's value or a modal's metadata.
"""

from __future__ import annotations

import hashlib
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.config import Settings
from bot.errors import BadArguments
from bot.listeners.command_line import Invocation
from bot.listeners.deps import deps_of
from bot.services.permissions import Actor, MemberOf
from bot.slack.members import is_member

UNREADABLE = "I could not tell who sent that or from which workspace; nothing was changed."


def actor(body: dict[str, Any], context: BoltContext) -> Actor:
    """The person who clicked or submitted; `channel_id` None for a modal."""
    user: dict[str, Any] = body["user"] if isinstance(body.get("user"), dict) else {}
    team_id = context.team_id or (body.get("team") or {}).get("id") or user.get("team_id")
    user_id = context.user_id or user.get("id")
    if not (isinstance(team_id, str) and team_id and isinstance(user_id, str) and user_id):
        raise BadArguments(UNREADABLE)
    channel_id = None if body.get("type") == "view_submission" else context.channel_id
    admins = deps_of(context).settings.postmortem_admins
    return Actor(team_id, user_id, channel_id=channel_id, admins=admins)


def of_invocation(invocation: Invocation) -> Actor:
    """The person who typed a `/postmortem` command, in the channel they typed it in."""
    return Actor(
        invocation.team_id,
        invocation.user_id,
        channel_id=invocation.channel_id,
        admins=invocation.deps.settings.postmortem_admins,
    )


def membership(client: WebClient, who: Actor) -> MemberOf:
    """Asks Slack whether `who` belongs to a channel, when the permissions need to know."""
    return lambda channel_id: is_member(client, channel_id, who.user_id)


def metadata_key(settings: Settings) -> bytes:
    """The key modal metadata is sealed with (`bot.core.sealed`): derived from a Slack secret
    every replica shares, so a modal opened by one is read by another."""
    secret = (
        settings.slack_signing_secret
        or settings.slack_app_token
        or settings.slack_client_secret
        or settings.slack_bot_token
        or ""
    )
    return hashlib.sha256(b"postmortem-bot modal metadata\0" + secret.encode()).digest()
