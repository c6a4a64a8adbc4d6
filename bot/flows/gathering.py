"""Gathering a timeline for `/postmortem start` and `/postmortem link`: the steps both
share (link the PagerDuty incident, read the channel's history, report back)."""

from __future__ import annotations

from datetime import datetime

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.core.spoken import OwnBot
from bot.flows import channel_history, incident_access, incident_log
from bot.flows.deps import Deps
from bot.flows.incident_access import VisibleIncident
from bot.services import alerts, backfill, incidents, postmortems
from bot.slack import timeline_blocks
from bot.slack.progress import READING_SOON, ProgressMessage


def own_bot(context: BoltContext) -> OwnBot:
    return OwnBot(user_id=context.bot_user_id, bot_id=context.bot_id)


def incident_for(deps: Deps, team_id: str, incident_id: str | None) -> VisibleIncident | None:
    """The incident named, once `team_id` is known to be allowed to see it (NotFound if not)."""
    return None if incident_id is None else incident_access.check(deps, team_id, incident_id)


def announce(deps: Deps, client: WebClient, postmortem_id: int) -> ProgressMessage:
    """Post the progress message now, before the interview's first question, so the one
    message the reading edits stays above the questions instead of among them."""
    with deps.sessions() as session:
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        channel, thread_ts = postmortem.channel_id, postmortem.thread_ts
    progress = ProgressMessage(client, channel, thread_ts)
    progress.show(READING_SOON)
    return progress


def link_incident(deps: Deps, postmortem_id: int, incident: VisibleIncident) -> str:
    """Link the incident, file its webhook events and REST log; the line to tell people.
    `incident` is what `incident_access.check` gave the post-mortem's workspace."""
    single = incident_access.single_workspace(deps)
    with deps.sessions.begin() as session:
        linked = incidents.link(
            session, postmortem_id, incident.incident_id, single_workspace=single
        )
    log = incident_log.backfill_log(deps.sessions, deps.clients.pagerduty, postmortem_id, incident)
    return timeline_blocks.incident_linked(linked, log)


def gather(
    deps: Deps,
    client: WebClient,
    context: BoltContext,
    postmortem_id: int,
    *,
    incident: VisibleIncident | None = None,
    since: datetime | None = None,
    progress: ProgressMessage | None = None,
) -> None:
    """Link PagerDuty first (its trigger can open the window earlier), then read the channel;
    progress and the final counts go to one message in the post-mortem's thread, edited in
    place: `progress` when the caller posted it already (`start`, above its first question)."""
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        if since is not None:
            backfill.widen_window(session, postmortem, since)
        channel, thread_ts = postmortem.channel_id, postmortem.thread_ts
    lines = [link_incident(deps, postmortem_id, incident)] if incident else []
    progress = progress or ProgressMessage(client, channel, thread_ts)
    outcome = channel_history.backfill_channel(
        deps.sessions,
        client,
        postmortem_id,
        own=own_bot(context),
        on_progress=lambda tally: progress.show(timeline_blocks.reading(tally)),
        clock=deps.clock,
        key_reaction=deps.settings.key_reaction,
    )
    file_kept_alerts(deps, postmortem_id)
    progress.show("\n".join([timeline_blocks.history_read(outcome), *lines]))


def file_kept_alerts(deps: Deps, postmortem_id: int) -> int:
    """File the Alertmanager alerts kept before the post-mortem could take them (it was
    not started, or named no service yet); last, once the timeline gives the window."""
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        single = incident_access.single_workspace(deps)
        return alerts.file_kept(session, postmortem, single_workspace=single, now=deps.clock())
