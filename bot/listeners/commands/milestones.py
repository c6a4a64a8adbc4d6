"""`/postmortem milestone`: the incident's milestones, listed in a modal or set by command.

`/postmortem milestone` alone opens the modal in the ack (its trigger expires in 3
seconds). `/postmortem milestone detected 22:43` sets one, in the author's own Slack
timezone (or UTC when they say so), after the ack: a clock time alone is the one
nearest the incident, so a post-mortem held the next day still means that night; `... resolved confirm` keeps what
the data says, and `... started clear` forgets a setting.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core import milestones as clock
from bot.core.followup import zone
from bot.core.manual_time import TimeNotUnderstood
from bot.core.milestones import LABELS, Milestones, Name, UnknownMilestone
from bot.core.slack_text import escape
from bot.errors import BadArguments, UserError
from bot.flows import timezones
from bot.listeners.command_line import Command, Family, Invocation
from bot.services import alerts, milestones, postmortems
from bot.slack import milestone_blocks

FAMILY = Family(__name__)
USAGE = "milestone [started|detected|acknowledged|declared|mitigated|resolved] [time|confirm|clear]"
EXAMPLES = ("22:43", "2026-11-30 22:43", "22:43 UTC", "yesterday 22:43")


def _opens_modal(command: Command) -> bool:
    return not command.words


@FAMILY.subcommand(
    "milestone",
    usage=USAGE,
    summary="set when the incident started, was detected, … (alone: list and edit them all)",
    in_ack=_opens_modal,
)
def milestone(invocation: Invocation) -> None:
    if _opens_modal(invocation.command):
        _open_modal(invocation)
        return
    _set(invocation)


def _open_modal(invocation: Invocation) -> None:
    """In the ack: views.open needs the command's trigger, which lasts 3 seconds."""
    deps = invocation.deps
    try:
        with deps.sessions() as session:
            postmortem, known = milestones.in_channel(
                session, invocation.team_id, invocation.channel_id
            )
            postmortem_id = postmortem.id
        if not invocation.trigger_id:
            raise BadArguments("Slack sent no trigger to open the milestones with; try again.")
    except UserError as error:
        invocation.respond(response_type="ephemeral", text=str(error))
        return
    zone_name = timezones.timezone_of(
        invocation.client,
        invocation.team_id,
        invocation.user_id,
        now=deps.clock(),
        sessions=deps.sessions,
    )
    view = milestone_blocks.modal(
        known,
        postmortem_id=postmortem_id,
        team_id=invocation.team_id,
        zone=zone(zone_name),
        zone_name=zone_name,
    )
    invocation.client.views_open(trigger_id=invocation.trigger_id, view=view)
    invocation.respond()


def _set(invocation: Invocation) -> None:
    deps, words = invocation.deps, invocation.command.words
    try:
        name = clock.name_of(words[0])
    except UnknownMilestone as error:
        raise BadArguments(f"{escape(str(error))} Usage: `/postmortem {USAGE}`") from None
    rest = " ".join(words[1:]).strip()
    now = deps.clock()
    zone_name = timezones.timezone_of(
        invocation.client, invocation.team_id, invocation.user_id, now=now, sessions=deps.sessions
    )
    local_zone = zone(zone_name)
    if not rest:
        raise BadArguments(_how_to_say(f"When was the incident {name.value}?", name, zone_name))
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_for_channel_or_raise(
            session, invocation.team_id, invocation.channel_id
        )
        if rest.lower() == "confirm":
            known = milestones.confirm(session, postmortem, name, by=invocation.user_id, now=now)
            done = "confirmed"
        elif rest.lower() == "clear":
            known = milestones.clear(session, postmortem, name)
            done = "cleared: what the data says counts again"
        else:
            try:
                known = milestones.set_typed(
                    session, postmortem, name, rest, zone=local_zone, by=invocation.user_id, now=now
                )
            except TimeNotUnderstood as error:
                raise BadArguments(_how_to_say(str(error), name, zone_name)) from None
            done = "set"
        # The window the milestones now give may hold alerts kept before it did.
        single = not deps.settings.oauth
        alerts.file_kept(session, postmortem, single_workspace=single, now=now)
    invocation.respond(
        response_type="ephemeral", text=_answer(name, done, known, local_zone, zone_name)
    )


def _answer(name: Name, done: str, known: Milestones, zone: ZoneInfo, zone_name: str) -> str:
    head = f"*{LABELS[name]}* {done}."
    return f"{head}\n{milestone_blocks.listing(known, zone, zone_name)}"


def _how_to_say(problem: str, name: Name, zone_name: str) -> str:
    examples = ", ".join(f"`/postmortem milestone {name.value} {e}`" for e in EXAMPLES)
    return (
        f"{escape(problem)} A time without UTC is read in your Slack timezone "
        f"({escape(zone_name)}); for example {examples}."
    )
