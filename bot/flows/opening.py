"""A post-mortem's opening message: posted once, even when the bot dies while posting it.

The post-mortem row is committed before `chat.postMessage`, without a thread: that row
is the record of "about to post the opener for post-mortem N". The message carries
Slack metadata naming the post-mortem (`postmortem_opened`), so whoever next finds the
row without a thread (the inbox replaying the same `start`, a second `start`, an
`interview`) looks in the channel for that message and adopts it, or posts it if the
first attempt never reached Slack. Nothing else posts an opener at the same time:
the inbox runs one channel's commands one after another.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.flows import slack_once
from bot.flows.deps import Deps
from bot.services import postmortems
from bot.slack import start_blocks
from storage.models import Postmortem

EVENT_TYPE = "postmortem_opened"


def stamp(postmortem_id: int) -> slack_once.Stamp:
    return slack_once.Stamp(EVENT_TYPE, {"postmortem": str(postmortem_id)})


def post_opening(
    deps: Deps, client: WebClient, postmortem: Postmortem, *, recover: bool
) -> slack_once.Sent:
    """Post the opening message (with `recover`: adopt the one an earlier attempt posted)
    and record its thread. Slack's refusal is raised, with nothing recorded."""
    text, blocks = start_blocks.opening(postmortem, deps.templates, deps.settings.key_reaction)
    sent = slack_once.post(
        client,
        postmortem.channel_id,
        stamp(postmortem.id),
        text=text,
        blocks=blocks,
        recover=recover,
        since=postmortem.created_at,  # the opener is no older than its post-mortem's row
    )
    with deps.sessions.begin() as session:
        postmortems.record_thread(session, postmortem.id, sent.ts)
    return sent


def ensure_thread(deps: Deps, client: WebClient, team_id: str, channel_id: str) -> bool:
    """Give the channel's post-mortem its thread if an interrupted start left it without one;
    True when it was missing (the opening message was adopted or posted now)."""
    with deps.sessions() as session:
        postmortem = postmortems.get_for_channel(session, team_id, channel_id)
    if postmortem is None or postmortem.thread_ts is not None:
        return False
    post_opening(deps, client, postmortem, recover=True)
    return True
