"""Saying an interview `Outcome` in the post-mortem's thread, after its transaction committed.

Shared by the interview's listeners (replies, buttons, the modal, the
`interview` subcommand) and by `start`, which asks the first question.
A question is posted only while it is still the open one: when two answers
race, the later state asks its own question and the earlier one stays quiet.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.interview_views import CitationNotice, ItemNotice, QuestionView
from bot.flows.deps import Deps
from bot.services import interview, pushback
from bot.services.interview_outcome import Outcome, Thread
from bot.slack import interview_blocks as say
from bot.slack import limits

logger = logging.getLogger(__name__)

ACCEPTED = "white_check_mark"


def ask_current(client: WebClient, deps: Deps, postmortem_id: int) -> None:
    """(Re-)ask the open question of a post-mortem's interview, opening it if need be."""
    with deps.sessions.begin() as session:
        outcome = interview.begin(session, postmortem_id)
    deliver(client, deps, outcome)


def ask_in_channel(client: WebClient, deps: Deps, team_id: str, channel_id: str) -> None:
    with deps.sessions.begin() as session:
        outcome = interview.begin_in_channel(session, team_id, channel_id)
    deliver(client, deps, outcome)


def deliver(client: WebClient, deps: Deps, outcome: Outcome) -> None:
    thread = outcome.thread
    if outcome.refusal:
        _tell(client, thread, outcome.refused_user, outcome.refusal)
    if outcome.accepted_ts:
        _react(client, thread.channel_id, outcome.accepted_ts)
    if outcome.note:
        _post(client, thread, say.filed_under(outcome.note, deps.templates), None)
    if outcome.resolved_by is not None:
        _post(client, thread, say.resolved(outcome.resolved_by), None)
    if outcome.citation is not None:
        _say_citation(client, thread, outcome.citation)
    for finding in outcome.findings:
        ts = _post(client, thread, *say.finding(finding, deps.templates))
        with deps.sessions.begin() as session:
            pushback.record_replies(session, [finding.finding_id], ts)
    for factor in outcome.factors:
        _post(client, thread, *say.factor(factor, deps.templates))
    for item in outcome.items:
        _announce(client, deps, thread, item)
    if outcome.question is not None:
        _ask(client, deps, thread, outcome.question)


def _say_citation(client: WebClient, thread: Thread, notice: CitationNotice) -> None:
    """An attached line is said in the thread; the candidates only to who cited."""
    if notice.chosen is not None:
        _post(client, thread, say.cited(notice), None)
    else:
        _tell(client, thread, notice.user_id, say.citation_candidates(notice))


def _announce(client: WebClient, deps: Deps, thread: Thread, item: ItemNotice) -> None:
    """Post an item's notice. When Slack refuses it anyway (a limit the bot does not know),
    the item stays saved, marked not announced, and its author is told privately."""
    try:
        _post(client, thread, *say.item(item, deps.templates))
    except SlackApiError as error:
        reason = str(error.response.get("error"))
        if reason not in limits.REFUSED or item.item_id is None:
            raise
        logger.warning("item notice refused item=%s error=%s", item.item_id, reason)
        with deps.sessions.begin() as session:
            interview.record_announcement(session, item.item_id, reason)
        _tell(client, thread, item.author_id, say.not_announced(item, reason))
        return
    if item.not_announced and item.item_id is not None:
        with deps.sessions.begin() as session:
            interview.record_announcement(session, item.item_id, None)


def _ask(client: WebClient, deps: Deps, thread: Thread, view: QuestionView) -> None:
    with deps.sessions() as session:
        if not interview.is_current(session, thread.postmortem_id, view.version):
            return
    text, blocks = say.question(view, thread.postmortem_id, deps.templates)
    ts = _post(client, thread, text, blocks)
    with deps.sessions.begin() as session:
        interview.record_prompt(session, thread.postmortem_id, ts, view.version)


def _post(client: WebClient, thread: Thread, text: str, blocks: list | None) -> str:
    return limits.post_in_thread(client, thread.channel_id, thread.thread_ts, text, blocks)


def _tell(client: WebClient, thread: Thread, user_id: str | None, text: str) -> None:
    if user_id is None:
        return
    client.chat_postEphemeral(
        channel=thread.channel_id,
        user=user_id,
        thread_ts=thread.thread_ts,
        text=limits.shorten(text, limits.MESSAGE_TEXT),
    )


def _react(client: WebClient, channel_id: str, ts: str) -> None:
    # The reaction only acknowledges; a missing scope must not stop the next question.
    try:
        client.reactions_add(channel=channel_id, timestamp=ts, name=ACCEPTED)
    except SlackApiError as error:
        if error.response["error"] != "already_reacted":
            logger.warning("reactions.add failed error=%s", error.response["error"])
