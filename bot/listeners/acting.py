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
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.errors import BadArguments
from bot.listeners.command_line import Invocation
from bot.listeners.deps import deps_of
from bot.services.permissions import Actor, MemberOf
from bot.slack.members import is_member
from storage.repositories import postmortems

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


def membership(
    client: WebClient, sessions: sessionmaker[Session], who: Actor, postmortem_id: int
) -> MemberOf:
    """Whether `who` belongs to the post-mortem's channel, for the permissions' check.

    Asked of Slack (`conversations.members`) now, before the caller opens the session
    the check runs in: inside it, the call would hold the database (SQLite's one write
    lock, PostgreSQL's connection and row locks) until Slack answered. Not asked when
    the answer cannot matter: a request from a channel (it is that channel that counts),
    an admin, the post-mortem's lead, another workspace's or a missing post-mortem."""
    if who.channel_id is not None or who.is_admin:
        return _NOBODY
    with sessions() as session:
        found = postmortems.get(session, postmortem_id)
        if found is None or found.team_id != who.team_id or found.lead_user_id == who.user_id:
            return _NOBODY
        channel_id = found.channel_id
    belongs = is_member(client, channel_id, who.user_id)
    return lambda asked: belongs and asked == channel_id


def _nobody(_channel_id: str) -> bool:
    return False


_NOBODY: MemberOf = _nobody


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
