"""The 48-hour nudge and the follow-up review, as (fallback text, blocks).

DMs show times in the reader's timezone; posts in a channel, read by people
in many zones, show UTC (DESIGN.md, Conventions).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.followup import NUDGE_MAX, day_label, is_overdue
from bot.core.followup_views import ItemView, PostmortemView
from bot.core.slack_text import channel_link, escape, mention
from bot.slack import blocks
from bot.slack.followup_messages import REVIEW_CONFIRM, item_blocks, time_label
from bot.templates import SlackText, Templates

Message = tuple[str, list[blocks.Block]]
REVIEW_ACTIONS = "review-confirm"
# Head, items, "…and N more", the ask and its button: inside Slack's 50 blocks.
MAX_REVIEW_ITEMS = 45


def _since_what(postmortem: PostmortemView) -> str:
    if postmortem.incident_end:
        return "ended"
    return "started" if postmortem.incident_start else "was opened here"


def nudge_dm(
    templates: Templates,
    postmortem: PostmortemView,
    *,
    number: int,
    base: datetime,
    now: datetime,
    tz: str | None,
) -> Message:
    body = templates.render(
        "slack/followup/nudge_dm.mrkdwn.j2",
        title=postmortem.title,
        channel=SlackText(channel_link(postmortem.channel_id)),
        since_what=_since_what(postmortem),
        since=time_label(base, tz),
        hours=int((now - base).total_seconds() // 3600),
        number=number,
        limit=NUDGE_MAX,
    )
    return f"The report of {escape(postmortem.title)} is not published yet", [
        blocks.section(body.strip())
    ]


def nudge_thread(
    templates: Templates, postmortem: PostmortemView, *, number: int, base: datetime, now: datetime
) -> Message:
    body = templates.render(
        "slack/followup/nudge_thread.mrkdwn.j2",
        since_what=_since_what(postmortem),
        since=time_label(base, "UTC"),
        hours=int((now - base).total_seconds() // 3600),
        lead=SlackText(mention(postmortem.lead_user_id)),
        number=number,
        limit=NUDGE_MAX,
    )
    return "This post-mortem's report is not published yet", [blocks.section(body.strip())]


def review(
    templates: Templates, postmortem: PostmortemView, items: Sequence[ItemView], today: date
) -> Message:
    """Every item's status, then a button only the lead may press."""
    head = templates.render(
        "slack/followup/review.mrkdwn.j2",
        title=postmortem.title,
        published=day_label(postmortem.published_at.date()) if postmortem.published_at else None,
        total=len(items),
        done=sum(item.status == "done" for item in items),
        overdue=sum(item.status == "open" and is_overdue(item.deadline, today) for item in items),
    )
    # Status only: the buttons to change items live in the owners' DMs.
    listed = [
        item_blocks(templates, item, postmortem, today, "all", True)[0]
        for item in items[:MAX_REVIEW_ITEMS]
    ]
    if len(items) > MAX_REVIEW_ITEMS:
        more = len(items) - MAX_REVIEW_ITEMS
        listed.append(blocks.context(f"…and {more} more: `/postmortem actions all` lists them."))
    ask = templates.render(
        "slack/followup/review_lead.mrkdwn.j2", lead=SlackText(mention(postmortem.lead_user_id))
    )
    button = {
        "type": "button",
        "action_id": REVIEW_CONFIRM,
        "value": str(postmortem.id),
        "style": "primary",
        "text": {"type": "plain_text", "text": "The review happened", "emoji": True},
    }
    actions = {"type": "actions", "block_id": REVIEW_ACTIONS, "elements": [button]}
    text = f"Follow-up review of {escape(postmortem.title)}"
    return text, [blocks.section(head.strip()), *listed, blocks.section(ask.strip()), actions]


def review_confirmed(
    message_blocks: Sequence[blocks.Block], user_id: str, when: str
) -> list[blocks.Block]:
    """The review post with its button replaced by who confirmed it, and when."""
    kept = [b for b in message_blocks if b.get("block_id") != REVIEW_ACTIONS]
    return [
        *kept,
        blocks.context(f":white_check_mark: Review confirmed by {mention(user_id)}, {when}."),
    ]
