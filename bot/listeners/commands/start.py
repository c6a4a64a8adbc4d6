"""`/postmortem start`: open the channel's post-mortem, post its opening message, gather its timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.manual_time import TimeNotUnderstood, parse_moment
from bot.core.slack_text import escape
from bot.errors import BadArguments
from bot.flows import channel_history, gathering, interview_thread, opening, timezones
from bot.listeners.command_line import Family, Invocation, severity, since
from bot.pagerduty.webhook import INCIDENT_ID, parse_incident_ref
from bot.services import postmortems
from bot.slack import start_blocks
from storage.models import Postmortem

FAMILY = Family(__name__)


@FAMILY.subcommand(
    "start",
    usage=(
        'start [--severity P1] [--since "2026-11-24 13:50"] [--service NAME] '
        "[PagerDuty incident id or URL] [title]"
    ),
    summary="open the post-mortem of this channel and gather its timeline",
    options={"severity": severity, "since": since, "service": postmortems.check_service},
)
def start(invocation: Invocation) -> None:
    """Open the post-mortem (or point to the open one), then gather its timeline; a second
    start gathers again, which adds only what is new."""
    deps, client, parsed = invocation.deps, invocation.client, invocation.command
    incident_id, words = _incident_and_title(parsed.words)
    # Refused before anything is opened: an incident this workspace may not see.
    incident = gathering.incident_for(deps, invocation.team_id, incident_id)
    window_from = _since(invocation)
    facts = None if words else _channel_facts(client, invocation.channel_id)
    title = " ".join(words) or _default_title(facts)
    with deps.sessions.begin() as session:
        postmortem, created = postmortems.start(
            session,
            team_id=invocation.team_id,
            channel_id=invocation.channel_id,
            user_id=invocation.user_id,
            title=title,
            severity=parsed.options.get("severity"),
            now=deps.clock(),
        )
        if "service" in parsed.options:
            postmortems.set_service(session, postmortem.id, parsed.options["service"])
    progress = None
    if not created and postmortem.thread_ts is not None:
        invocation.respond(
            text=start_blocks.already_running(postmortem, _permalink(client, postmortem))
        )
    elif not _post_opening(invocation, postmortem, recover=not created):
        return
    else:
        # Ask first: reading a long history takes a minute, and the team is here now. The
        # progress message goes up before the question, so its edits stay out of the way.
        progress = gathering.announce(deps, client, postmortem.id)
        interview_thread.ask_current(client, deps, postmortem.id)
    gathering.gather(
        deps,
        client,
        invocation.context,
        postmortem.id,
        incident=incident,
        since=window_from,
        progress=progress,
        facts=facts,
    )


def _post_opening(invocation: Invocation, postmortem: Postmortem, *, recover: bool) -> bool:
    """Post the opening message and keep its thread; False (and nothing kept) if Slack refused.

    `recover`: an earlier start of this post-mortem was cut short before it kept the
    thread (the bot died while posting), so the message it may have posted is adopted."""
    deps, client = invocation.deps, invocation.client
    try:
        opening.post_opening(deps, client, postmortem, recover=recover)
    except SlackApiError as error:
        gone = error.response.get("error") in ("not_in_channel", "channel_not_found")
        if gone or not recover:
            # Slack took nothing; recovering, a rate-limited search keeps the row to retry.
            with deps.sessions.begin() as session:
                postmortems.abandon_start(session, postmortem.id)
        if gone:
            invocation.respond(text=start_blocks.NOT_IN_CHANNEL)
            return False
        raise
    return True


def _incident_and_title(words: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """A PagerDuty incident named first ("PT4KHLK" or its URL), then the title."""
    if words and _looks_like_incident(words[0]):
        return parse_incident_ref(words[0]), list(words[1:])
    return None, list(words)


def _looks_like_incident(word: str) -> bool:
    # PagerDuty ids start with P or Q and carry a digit; a title word like "CHECKOUT" does not.
    if "/incidents/" in word:
        return True
    return bool(INCIDENT_ID.fullmatch(word)) and word[0] in "PQ" and any(c.isdigit() for c in word)


def _since(invocation: Invocation) -> datetime | None:
    """`--since`, read in the person's own Slack timezone."""
    value = invocation.command.options.get("since")
    if value is None:
        return None
    now = invocation.deps.clock()
    zone_name = timezones.timezone_of(
        invocation.client, invocation.team_id, invocation.user_id, now=now
    )
    try:
        return parse_moment(value, now=now, zone=ZoneInfo(zone_name))
    except (TimeNotUnderstood, ZoneInfoNotFoundError) as error:
        raise BadArguments(f"--since: {escape(str(error))}") from None


def _channel_facts(client: WebClient, channel_id: str) -> channel_history.ChannelFacts | None:
    """The channel's name and creation (None if Slack refused): the default title, and the
    backfill's window, which then need not ask again."""
    try:
        return channel_history.channel_facts(client, channel_id)
    except SlackApiError:
        return None


def _default_title(facts: channel_history.ChannelFacts | None) -> str:
    name = facts[1] if facts else None
    return f"Incident in #{name}" if name else "Incident post-mortem"


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
