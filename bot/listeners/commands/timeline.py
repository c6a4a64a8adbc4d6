"""`/postmortem event`, `/postmortem link` and `/postmortem timeline`."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.manual_time import EXAMPLES, TimeNotUnderstood, split_when
from bot.core.report_text import as_typed
from bot.core.slack_text import escape, quote
from bot.core.timeline import format_utc_minute
from bot.errors import BadArguments
from bot.flows import gathering, incident_access, metrics, timezones
from bot.listeners.command_line import Family, Invocation
from bot.pagerduty.webhook import parse_incident_ref
from bot.services import gaps, manual_entries, postmortems
from bot.services import timeline as timeline_service
from bot.slack import limits, timeline_blocks
from bot.slack.names import UserNames

TIMELINE_FILE = "timeline.md"
FAMILY = Family(__name__)


@FAMILY.subcommand(
    "event",
    usage="event [time] [what happened]",
    summary="add a line to the timeline (in your timezone, or say UTC)",
)
def event(invocation: Invocation) -> None:
    """A line typed by hand; the time is read in the author's own Slack timezone."""
    deps = invocation.deps
    now = deps.clock()
    zone_name = timezones.timezone_of(
        invocation.client, invocation.team_id, invocation.user_id, now=now
    )
    zone = _zone(zone_name)
    try:
        when = split_when(invocation.command.typed, now=now, zone=zone)
    except TimeNotUnderstood as error:
        raise BadArguments(_how_to_say_when(str(error), zone_name)) from None
    with deps.sessions.begin() as session:
        row = manual_entries.add(
            session,
            team_id=invocation.team_id,
            channel_id=invocation.channel_id,
            user_id=invocation.user_id,
            occurred_at=when.at,
            text=when.rest,
            entry_id=invocation.trigger_id or uuid.uuid4().hex,
        )
    local = when.at.astimezone(zone).strftime("%H:%M")
    kind = f" (marks the incident {row.kind})" if row.kind else ""
    invocation.respond(
        response_type="ephemeral",
        text=f"Added to the timeline at {format_utc_minute(when.at)} ({local} {zone_name})"
        f"{kind}: {quote(when.rest)}",
    )


@FAMILY.subcommand(
    "link",
    usage="link [PagerDuty incident id or URL]",
    summary="add a PagerDuty incident's events to the timeline",
)
def link(invocation: Invocation) -> None:
    """Link a PagerDuty incident: its webhook events and REST log join the timeline."""
    deps, parsed = invocation.deps, invocation.command
    if not parsed.words:
        raise BadArguments(f"Which incident? Usage: `/postmortem {parsed.usage}`")
    incident_id = parse_incident_ref(parsed.words[0])
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_for_channel_or_raise(
            session, invocation.team_id, invocation.channel_id
        )
        postmortem_id, thread_ts = postmortem.id, postmortem.thread_ts
    incident = incident_access.check(deps, invocation.team_id, incident_id)
    line = gathering.link_incident(deps, postmortem_id, incident)
    limits.post_in_thread(invocation.client, invocation.channel_id, thread_ts, line, None)


@FAMILY.subcommand(
    "timeline", usage="timeline", summary="show the key timeline and attach the full one"
)
def timeline(invocation: Invocation) -> None:
    """The key timeline in the post-mortem's thread, and every line as timeline.md."""
    deps, client = invocation.deps, invocation.client
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_for_channel_or_raise(
            session, invocation.team_id, invocation.channel_id
        )
    metrics.refresh(deps, postmortem.id)  # the ALERTS lines and metrics gaps, fetched now
    with deps.sessions.begin() as session:
        view = timeline_service.view(session, postmortem.id)
    names = UserNames(client)
    reply = timeline_blocks.slack_reply(view, names, deps.templates, deps.settings.key_reaction)
    limits.post_in_thread(client, view.channel_id, view.thread_ts, reply, None, unfurl_links=False)
    client.files_upload_v2(
        channel=view.channel_id,
        thread_ts=view.thread_ts,
        content=timeline_blocks.markdown(view, names, deps.templates),
        filename=TIMELINE_FILE,
        title=f"Timeline: {as_typed(view.title)}",
    )


@FAMILY.subcommand(
    "gap",
    usage="gap ack deleted | gap ack pagerduty [why] | gap ack metrics [why]",
    summary="say the deleted messages were removed on purpose, that no PagerDuty incident "
    "is on purpose (the team uses no pager), or that the missing metrics are known; the "
    "checklist then holds",
)
def gap(invocation: Invocation) -> None:
    """A noted gap acknowledged as on purpose no longer fails the checklist."""
    words = [w.lower() for w in invocation.command.words]
    if words[:2] == ["ack", "pagerduty"]:
        _ack_no_pagerduty(invocation)
        return
    if words[:2] == ["ack", "metrics"]:
        _ack_metrics(invocation)
        return
    if words != ["ack", "deleted"]:
        raise BadArguments(f"Usage: `/postmortem {invocation.command.usage}`")
    deps = invocation.deps
    with deps.sessions.begin() as session:
        count = gaps.acknowledge_deleted(
            session,
            invocation.team_id,
            invocation.channel_id,
            by=invocation.user_id,
            now=deps.clock(),
        )
    invocation.respond(response_type="ephemeral", text=gaps.acknowledged_words(count))


def _ack_metrics(invocation: Invocation) -> None:
    """`gap ack metrics [why]`: the missing charts are known; the words after it say why."""
    deps = invocation.deps
    with deps.sessions.begin() as session:
        shown = gaps.acknowledge_metrics(
            session,
            invocation.team_id,
            invocation.channel_id,
            reason=_why(invocation),
            by=invocation.user_id,
            now=deps.clock(),
        )
    invocation.respond(response_type="ephemeral", text=gaps.metrics_words(quote(shown)))


def _why(invocation: Invocation) -> str:
    """The words after `gap ack <what>`, as typed (empty when none were)."""
    typed = invocation.command.typed.split(None, 2)
    return as_typed(typed[2]) if len(typed) > 2 else ""


def _ack_no_pagerduty(invocation: Invocation) -> None:
    """`gap ack pagerduty [why]`: no incident on purpose; the words after it are the reason."""
    reason = _why(invocation)
    deps = invocation.deps
    with deps.sessions.begin() as session:
        shown = gaps.acknowledge_no_pagerduty(
            session,
            invocation.team_id,
            invocation.channel_id,
            reason=reason,
            by=invocation.user_id,
            now=deps.clock(),
        )
    invocation.respond(response_type="ephemeral", text=gaps.no_pagerduty_words(quote(shown)))


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
