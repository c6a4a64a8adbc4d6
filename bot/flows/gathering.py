"""Gathering a timeline for `/postmortem start` and `/postmortem link`: the steps both
share (link the PagerDuty incident, read the channel's history, report back)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.core.spoken import OwnBot
from bot.errors import BadArguments
from bot.flows import channel_history, incident_access, incident_log
from bot.flows.deps import Deps
from bot.flows.incident_access import VisibleIncident
from bot.services import alerts, backfill, backfill_resume, incidents, postmortems
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
    facts: channel_history.ChannelFacts | None = None,
) -> None:
    """Link PagerDuty first (its trigger can open the window earlier), then read the channel;
    progress and the final counts go to one message in the post-mortem's thread, edited in
    place: `progress` when the caller posted it already (`start`, above its first question).
    `facts`: the channel's, when the caller asked `conversations.info` already."""
    with deps.sessions.begin() as session:
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        if since is not None:
            backfill.widen_window(session, postmortem, since)
        channel, thread_ts = postmortem.channel_id, postmortem.thread_ts
    lines = [link_incident(deps, postmortem_id, incident)] if incident else []
    progress = progress or ProgressMessage(client, channel, thread_ts)
    reading = Resume(postmortem_id, channel, thread_ts, progress.ts, own_bot(context), lines)
    _read_history(deps, client, reading, progress, plan=None, facts=facts)


@dataclass(frozen=True)
class Resume:
    """What a paused backfill needs to carry on from the inbox: the post-mortem, its
    thread and progress message (edited in place to the end), the bot that reads, the
    lines to add to the final count, and the plan (`channel_history.Plan.state`)."""

    postmortem_id: int
    channel_id: str
    thread_ts: str | None
    progress_ts: str | None
    own: OwnBot
    lines: list[str]
    plan: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, payload: str) -> Resume:
        try:
            data = json.loads(payload)
            own = OwnBot(**data.pop("own"))
            return cls(own=own, **data)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise BadArguments(f"unreadable backfill resume: {type(error).__name__}") from None


def resume(deps: Deps, client: WebClient, reading: Resume) -> None:
    """Carry on a backfill Slack's rate limit paused (the inbox's `backfill_resume` item)."""
    progress = ProgressMessage(client, reading.channel_id, reading.thread_ts)
    progress.ts = reading.progress_ts
    try:
        plan = channel_history.Plan.from_state(reading.plan or {})
    except (ValueError, TypeError, KeyError) as error:
        raise BadArguments(f"unreadable backfill plan: {type(error).__name__}") from None
    _read_history(deps, client, reading, progress, plan=plan)


def _read_history(
    deps: Deps,
    client: WebClient,
    reading: Resume,
    progress: ProgressMessage,
    *,
    plan: channel_history.Plan | None,
    facts: channel_history.ChannelFacts | None = None,
) -> None:
    outcome = channel_history.backfill_channel(
        deps.sessions,
        client,
        reading.postmortem_id,
        own=reading.own,
        on_progress=lambda tally: progress.show(timeline_blocks.reading(tally)),
        clock=deps.clock,
        key_reaction=deps.settings.key_reaction,
        resume=plan,
        facts=facts,
    )
    if isinstance(outcome, channel_history.Paused):
        _pause(deps, reading, progress, outcome)
        return
    file_kept_alerts(deps, reading.postmortem_id)
    progress.show("\n".join([timeline_blocks.history_read(outcome), *reading.lines]))


def _pause(
    deps: Deps, reading: Resume, progress: ProgressMessage, paused: channel_history.Paused
) -> None:
    """Keep the resume in the inbox, due once Slack's Retry-After has passed, and say so."""
    progress.show(
        timeline_blocks.reading_paused(
            paused.plan.tally, left=paused.left, every=paused.after, reached=paused.reached
        )
    )
    later = replace(reading, progress_ts=progress.ts, plan=paused.plan.state())
    now = deps.clock()
    with deps.sessions.begin() as session:
        team_id = postmortems.get_or_raise(session, reading.postmortem_id).team_id
        backfill_resume.schedule(
            session,
            team_id=team_id,
            channel_id=reading.channel_id,
            postmortem_id=reading.postmortem_id,
            started=paused.plan.started,
            calls=paused.plan.tally.pages,
            payload=later.to_json(),
            due=now + timedelta(seconds=paused.after),
            now=now,
        )


def file_kept_alerts(deps: Deps, postmortem_id: int) -> int:
    """File the Alertmanager alerts kept before the post-mortem could take them (it was
    not started, or named no service yet); last, once the timeline gives the window."""
    with deps.sessions.begin() as session:
        if not alerts.any_kept(session):
            return 0
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        single = incident_access.single_workspace(deps)
        return alerts.file_kept(session, postmortem, single_workspace=single, now=deps.clock())
