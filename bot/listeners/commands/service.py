"""`/postmortem service [NAME | none]`: the service this channel's post-mortem is about.

Naming it narrows what the bot gathers from monitoring to that service: each
Prometheus query whose `labels` mention `{service}` (see README, PROMETHEUS_QUERIES),
the `ALERTS` series, and the Alertmanager notifications matched to the post-mortem.
`/postmortem start --service NAME` names it as the post-mortem opens.
"""

from __future__ import annotations

from bot.errors import BadArguments
from bot.listeners.command_line import Family, Invocation
from bot.services import alerts, monitoring_services, postmortems
from bot.services.postmortems import SERVICE_USAGE

FAMILY = Family(__name__)
CLEAR = "none"


@FAMILY.subcommand(
    "service",
    usage="service [NAME | none]",
    summary="the service the incident hit: narrows metrics and alerts to it (alone: which one)",
)
def service(invocation: Invocation) -> None:
    words, deps = invocation.command.words, invocation.deps
    if len(words) > 1:
        raise BadArguments(SERVICE_USAGE)
    named = None if not words or words[0].lower() == CLEAR else words[0]
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_for_channel_or_raise(
            session, invocation.team_id, invocation.channel_id
        )
        if words:
            postmortems.set_service(session, postmortem.id, named)
            # Alerts of that service kept before it was named are its own now.
            single, now = not deps.settings.oauth, deps.clock()
            alerts.file_kept(session, postmortem, single_workspace=single, now=now)
        current = postmortem.service
        text = _answer(current, changed=bool(words))
        if current is not None and not monitoring_services.may_see(
            session, invocation.team_id, current, single_workspace=not deps.settings.oauth
        ):
            text = _unmapped(current, invocation.team_id)
    invocation.respond(response_type="ephemeral", text=text)


def _unmapped(current: str, team_id: str) -> str:
    """OAuth mode, a service not this workspace's: named, but no monitoring data comes."""
    how = monitoring_services.HOW_TO_MAP.format(service=current, team=team_id)
    return (
        f"This post-mortem is about service `{current}`, but that service is not mapped to "
        "this workspace, so no metrics or alerts of it are shown here. An admin of the bot "
        f"must map it: `{how}`."
    )


def _answer(current: str | None, *, changed: bool) -> str:
    if current is None:
        cleared = "No service named any more" if changed else "No service named"
        return (
            f"{cleared}: metrics and alerts are not narrowed to one. "
            "`/postmortem service NAME` names it."
        )
    now = "now " if changed else ""
    return f"This post-mortem is {now}about service `{current}`: metrics and alerts are narrowed to it."
