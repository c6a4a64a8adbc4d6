"""`/postmortem event`, `/postmortem link` and `/postmortem timeline`."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.core.manual_time import EXAMPLES, TimeNotUnderstood, split_when
from bot.core.timeline import format_utc_minute
from bot.errors import BadArguments
from bot.flows import gathering
from bot.listeners import command_line
from bot.listeners.deps import deps_of
from bot.pagerduty.webhook import parse_incident_ref
from bot.services import manual_entries, postmortems
from bot.services import timeline as timeline_service
from bot.slack import timeline_message
from bot.slack.names import UserNames
from bot.slack.text import escape

TIMELINE_FILE = "timeline.md"


def event(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """A line typed by hand; the time is read in the author's own Slack timezone."""
    deps = deps_of(context)
    zone_name = UserNames(client).zone_of(body["user_id"]) or "UTC"
    zone = _zone(zone_name)
    try:
        when = split_when(_free_text(body.get("text", "")), now=deps.clock(), zone=zone)
    except TimeNotUnderstood as error:
        raise BadArguments(_how_to_say_when(str(error), zone_name)) from None
    with deps.sessions.begin() as session:
        row = manual_entries.add(
            session,
            team_id=body["team_id"],
            channel_id=body["channel_id"],
            user_id=body["user_id"],
            occurred_at=when.at,
            text=when.rest,
            entry_id=body.get("trigger_id") or uuid.uuid4().hex,
        )
    local = when.at.astimezone(zone).strftime("%H:%M")
    kind = f" (marks the incident {row.kind})" if row.kind else ""
    respond(
        response_type="ephemeral",
        text=f"Added to the timeline at {format_utc_minute(when.at)} ({local} {zone_name})"
        f"{kind}: {escape(when.rest)}",
    )


def link(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Link a PagerDuty incident: its webhook events and REST log join the timeline."""
    deps = deps_of(context)
    if not parsed.words:
        raise BadArguments(f"Which incident? Usage: `/postmortem {_usage('link')}`")
    incident_id = parse_incident_ref(parsed.words[0])
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_for_channel_or_raise(
            session, body["team_id"], body["channel_id"]
        )
        postmortem_id, thread_ts = postmortem.id, postmortem.thread_ts
    line = gathering.link_incident(deps, postmortem_id, incident_id)
    client.chat_postMessage(channel=body["channel_id"], thread_ts=thread_ts, text=line)


def timeline(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """The key timeline in the post-mortem's thread, and every line as timeline.md."""
    deps = deps_of(context)
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_for_channel_or_raise(
            session, body["team_id"], body["channel_id"]
        )
        view = timeline_service.view(session, postmortem.id)
    names = UserNames(client)
    reply = timeline_message.slack_reply(view, names, deps.templates, deps.settings.key_reaction)
    client.chat_postMessage(
        channel=view.channel_id, thread_ts=view.thread_ts, text=reply, unfurl_links=False
    )
    client.files_upload_v2(
        channel=view.channel_id,
        thread_ts=view.thread_ts,
        content=timeline_message.markdown(view, names, deps.templates),
        filename=TIMELINE_FILE,
        title=f"Timeline: {view.title}",
    )


def _free_text(text: str) -> str:
    """What follows the subcommand, exactly as typed (quotes and all)."""
    parts = text.strip().split(maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _how_to_say_when(problem: str, zone_name: str) -> str:
    examples = "\n".join(
        f"• `/postmortem event {example} rolled back the deploy`" for example in EXAMPLES
    )
    return (
        f"{escape(problem)} Start with the time, then say what happened; a time without "
        f"UTC is read in your Slack timezone ({escape(zone_name)}). For example:\n{examples}"
    )


def _usage(name: str) -> str:
    return command_line.BY_NAME[name].usage


HANDLERS = {"event": event, "link": link, "timeline": timeline}
