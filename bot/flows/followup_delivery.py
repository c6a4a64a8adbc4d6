"""Sending one follow-up message exactly once: claim it, post it, confirm it.

Each message is its own pair of short transactions around its Slack call,
never one transaction around a batch: a claim must be visible to the other
replicas at once, and a crash must cost one message, not all of them.

A claim left behind by a process that died is taken over (`bot.services.followup_claims`
says when). Before posting again the taker looks in the conversation for the
message the dead process may have posted (every one carries its key in
Slack message metadata; `bot.flows.slack_once` posts and finds it), so a crash
between Slack's answer and the confirmation does not double the message.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import Clients
from bot.core.slack_refusals import token_gone
from bot.flows import slack_once
from bot.services import followup_claims
from bot.slack.blocks import Block
from bot.templates import Templates
from storage.repositories.followup_claims import Claim, Key

logger = logging.getLogger(__name__)

# The metadata that marks a follow-up's message in Slack; posted messages carry these
# names ("reminder" is the payload's key), so they stay as they are.
METADATA_TYPE = "postmortem_reminder"
# Refusals that will not change on a retry: the follow-up is recorded as failed.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "invalid_blocks",
        "is_archived",
        "messages_tab_disabled",
        "msg_too_long",
        "no_text",
        "not_in_channel",
        "restricted_action",
        "user_disabled",
        "user_not_found",
    }
)
T = TypeVar("T")


@dataclass(frozen=True)
class Outgoing:
    """One message: a DM to `user_id`, or a post in `channel_id` (in `thread_ts`'s thread)."""

    text: str
    blocks: list[Block]
    user_id: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None

    @property
    def target(self) -> str:
        where = self.user_id or self.channel_id or "?"
        return f"{where} (thread)" if self.thread_ts else where


class Run(Protocol):
    """What a pass of the follow-up jobs reads: the jobs hand it their
    `bot.jobs.runner.JobRun`, and any job context with these fields will do."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def clients(self) -> Clients: ...

    @property
    def templates(self) -> Templates: ...

    @property
    def now(self) -> datetime: ...

    @property
    def worker(self) -> str: ...

    @property
    def team_id(self) -> str | None:
        """The one workspace this pass is for (multi-workspace mode: `clients.slack` holds
        its bot token), or None for every workspace the one SLACK_BOT_TOKEN serves."""

    @property
    def report(self) -> Callable[[str], None] | None:
        """Set by `remind --dry-run`: each due message is described here instead of sent."""


Compose = Callable[[Session], Outgoing | None]


def deliver(run: Run, key: Key, compose: Compose, *, postmortem_id: int | None = None) -> str:
    """Send the follow-up `key` once; returns what happened (sent, taken, skipped, ...)."""
    if run.report is not None:
        return _describe(run, key, compose, run.report)
    # The claim commits with the message it will send, before any Slack call; if
    # composing fails, the claim is rolled back with it and the next tick retries.
    with run.sessions.begin() as session:
        claim = followup_claims.claim(
            session, key, now=run.now, worker=run.worker, postmortem_id=postmortem_id
        )
        if claim is None:
            return "taken"
        outgoing = compose(session)
        if outgoing is None:
            followup_claims.skip(session, claim.id)
            return "skipped"
    return _send(run, claim, outgoing)


def _send(run: Run, claim: Claim, outgoing: Outgoing) -> str:
    try:
        slack = run.clients.slack
        channel = _channel(slack, outgoing)
        sent = _post(slack, channel, outgoing, claim)
    except SlackApiError as error:
        return _refused(run, claim, error)
    with run.sessions.begin() as session:
        followup_claims.confirm(
            session, claim.id, channel_id=channel, message_ts=sent.ts, now=run.now
        )
    return "recovered" if sent.recovered else "sent"


def _channel(client: WebClient, outgoing: Outgoing) -> str:
    if outgoing.user_id is None:
        return str(outgoing.channel_id)
    return client.conversations_open(users=outgoing.user_id)["channel"]["id"]


def _stamp(key: Key) -> slack_once.Stamp:
    return slack_once.Stamp(METADATA_TYPE, {"reminder": str(key)})


def _post(client: WebClient, channel: str, outgoing: Outgoing, claim: Claim) -> slack_once.Sent:
    """Post the follow-up; a re-claimed one first adopts what an earlier attempt posted."""
    return slack_once.post(
        client,
        channel,
        _stamp(claim.key),
        text=outgoing.text,
        blocks=outgoing.blocks,
        thread_ts=outgoing.thread_ts,
        recover=claim.attempts > 1,
        since=claim.since,  # the first claim's time: the run's clock, ignored when ahead
    )


def _refused(run: Run, claim: Claim, error: SlackApiError) -> str:
    code = str(error.response.get("error"))
    if code == "ratelimited" or token_gone(error):
        # Slack took nothing: hand the claim back so the next tick (after a reinstall,
        # for a dead token) tries afresh.
        with run.sessions.begin() as session:
            followup_claims.release(session, claim.id, holder=run.worker)
        if token_gone(error):
            raise error  # the whole run stops: `bot.jobs.runner` stops the workspace
        return "deferred"
    if code not in PERMANENT_ERRORS:
        raise error
    with run.sessions.begin() as session:
        followup_claims.fail(session, claim.id, code)
    logger.warning("reminder refused by Slack key=%s error=%s", claim.key, code)
    return "failed"


def _describe(run: Run, key: Key, compose: Compose, report: Callable[[str], None]) -> str:
    with run.sessions() as session:
        if followup_claims.is_settled(session, key, now=run.now):
            return "taken"
        outgoing = compose(session)
    if outgoing is None:
        return "skipped"
    report(f"{key.kind:<13} {key.period:<10} to {outgoing.target}: {outgoing.text}")
    return "would send"


def each(things: Iterable[T], work: Callable[[T], str], tally: Counter[str]) -> Counter[str]:
    """Run `work` on every thing; one failure is logged with its traceback, the rest go on."""
    for thing in things:
        try:
            tally[work(thing)] += 1
        except Exception as error:
            if token_gone(error):
                raise  # no message can go with a dead token: the runner stops the workspace
            logger.exception("reminder failed for %s", thing)
            tally["error"] += 1
    return tally
