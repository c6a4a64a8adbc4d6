"""`/postmortem start`: open the channel's post-mortem and post its opening message."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.listeners import command_line
from bot.listeners.deps import deps_of
from bot.services import postmortems
from bot.slack import messages


def start(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    deps = deps_of(context)
    title = parsed.rest or _default_title(client, body["channel_id"])
    with deps.sessions.begin() as session:
        postmortem, created = postmortems.start(
            session,
            team_id=body["team_id"],
            channel_id=body["channel_id"],
            user_id=body["user_id"],
            title=title,
            severity=parsed.options.get("severity"),
            now=deps.clock(),
        )
    if not created:
        respond(text=messages.already_running(postmortem, _permalink(client, postmortem)))
        return
    text, blocks = messages.opening(postmortem, deps.templates)
    try:
        posted = client.chat_postMessage(channel=postmortem.channel_id, text=text, blocks=blocks)
    except SlackApiError as error:
        with deps.sessions.begin() as session:
            postmortems.abandon_start(session, postmortem.id)
        if error.response.get("error") in ("not_in_channel", "channel_not_found"):
            respond(text=messages.NOT_IN_CHANNEL)
            return
        raise
    with deps.sessions.begin() as session:
        postmortems.record_thread(session, postmortem.id, posted["ts"])


def _default_title(client: WebClient, channel_id: str) -> str:
    try:
        name = client.conversations_info(channel=channel_id)["channel"]["name"]
    except SlackApiError:
        return "Incident post-mortem"
    return f"Incident in #{name}"


def _permalink(client: WebClient, postmortem: Any) -> str | None:
    if postmortem.thread_ts is None:
        return None
    try:
        answer = client.chat_getPermalink(
            channel=postmortem.channel_id, message_ts=postmortem.thread_ts
        )
    except SlackApiError:
        return None
    return answer["permalink"]


HANDLERS = {"start": start}
