"""Follow-up messages as (fallback text, blocks): digests, item lists, nudges, reviews.

Bodies come from `templates/slack/followup/*.mrkdwn.j2`, which escape whatever a
person typed; mentions and channel links are built here as `SlackText`.
Each listed item carries `block_id` `ai-<id>`, so a click can re-render the very
message it came from with fresh statuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from bot.core.followup import day_label, is_overdue, is_snoozed, zone
from bot.core.followup_views import ItemRow, ItemView, PostmortemView
from bot.core.report_text import is_user_id
from bot.core.slack_text import channel_link, mention
from bot.errors import BadArguments
from bot.slack import blocks
from bot.templates import SlackText, Templates

Message = tuple[str, list[blocks.Block]]

DONE, SNOOZE, DEADLINE = "action_item_done", "action_item_snooze", "action_item_deadline"
REVIEW_CONFIRM = "followup_review_confirm"
DEADLINE_VIEW = "action_item_deadline"
DEADLINE_BLOCK = DEADLINE_INPUT = "deadline"
# Listings a button can come from: a weekly digest, `/postmortem actions [all]`.
DIGEST, MINE, ALL = "digest", "mine", "all"
LISTINGS = (DIGEST, MINE, ALL)
# Two blocks an item, plus the head: inside Slack's 50 blocks a message.
MAX_ITEMS = 20
ACTION_CHARS = 500
_ITEM_BLOCK = re.compile(r"ai-(\d+)")


def time_label(moment: datetime, tz: str | None) -> str:
    local = moment.astimezone(zone(tz))
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname()}"


def item_value(item_id: int, listing: str) -> str:
    return f"{item_id}:{listing}"


def parse_item_value(value: str) -> tuple[int, str]:
    """`"42:digest"` -> (42, "digest"); BadArguments for anything the bot did not write."""
    item, _, listing = value.partition(":")
    if not item.isdigit() or listing not in LISTINGS:
        raise BadArguments(
            "That button is out of date; run `/postmortem actions` for a fresh list."
        )
    return int(item), listing


def item_ids(message_blocks: Iterable[blocks.Block]) -> list[int]:
    """The items a message lists, in order, read back from its block ids."""
    found = (_ITEM_BLOCK.fullmatch(str(b.get("block_id", ""))) for b in message_blocks)
    return [int(match[1]) for match in found if match]


def digest(templates: Templates, rows: Sequence[ItemRow], today: date) -> Message:
    """The weekly DM: every open item the owner has, with its buttons."""
    open_rows = [row for row in rows if row[0].status == "open"]
    head = templates.render(
        "slack/followup/digest.mrkdwn.j2",
        count=len(open_rows),
        postmortems=len({pm.id for _, pm in open_rows}),
        today=day_label(today),
        overdue=sum(is_overdue(item.deadline, today) for item, _ in open_rows),
    )
    codes = ", ".join(item.code for item, _ in open_rows[:MAX_ITEMS])
    text = f"You have {len(open_rows)} open action item(s): {codes}"
    return text, [blocks.section(head.strip()), *_items(templates, rows, today, DIGEST, False)]


def item_list(
    templates: Templates,
    rows: Sequence[ItemRow],
    today: date,
    *,
    heading: str,
    listing: str,
    notice: str | None = None,
) -> Message:
    """`/postmortem actions [all]`: the items with the same buttons as the digest."""
    head = [blocks.section(f"*{heading}*")]
    if notice:
        head.append(blocks.context(notice))
    if not rows:
        head.append(blocks.context("Nothing open. :tada:"))
    body = _items(templates, rows, today, listing, listing == ALL)
    return f"{heading}: {len(rows)}", [*head, *body]


def refreshed(
    templates: Templates, rows: Sequence[ItemRow], today: date, notice: str | None
) -> Message:
    """A digest re-drawn after a click: the same items, as they stand now."""
    text, body = digest(templates, rows, today)
    if notice:
        body.insert(1, blocks.context(notice))
    return text, body


def _items(
    templates: Templates, rows: Sequence[ItemRow], today: date, listing: str, show_owner: bool
) -> list[blocks.Block]:
    out: list[blocks.Block] = []
    for item, postmortem in rows[:MAX_ITEMS]:
        out.extend(item_blocks(templates, item, postmortem, today, listing, show_owner))
    if len(rows) > MAX_ITEMS:
        more = len(rows) - MAX_ITEMS
        out.append(blocks.context(f"…and {more} more: `/postmortem actions` lists them all."))
    return out


def item_blocks(
    templates: Templates,
    item: ItemView,
    postmortem: PostmortemView,
    today: date,
    listing: str,
    show_owner: bool,
) -> list[blocks.Block]:
    done = item.status == "done"
    text = templates.render(
        "slack/followup/action_item.mrkdwn.j2",
        done=done,
        code=item.code,
        action=item.action[:ACTION_CHARS],
        title=postmortem.title,
        channel=SlackText(channel_link(postmortem.channel_id)),
        owner=_person(item.owner_id) if show_owner else None,
        deadline=day_label(item.deadline) if item.deadline else None,
        overdue=not done and is_overdue(item.deadline, today),
        priority=item.priority,
        snoozed_until=_snoozed(item, today),
        done_by=_person(item.done_by) if done else None,
    )
    section = dict(blocks.section(text.strip()), block_id=f"ai-{item.id}")
    if done:
        return [section]
    return [section, _buttons(item.id, listing)]


def _buttons(item_id: int, listing: str) -> blocks.Block:
    value = item_value(item_id, listing)
    buttons = [
        _button("Done", DONE, value, style="primary"),
        _button("Snooze a week", SNOOZE, value),
        _button("Change deadline", DEADLINE, value),
    ]
    return {"type": "actions", "block_id": f"ai-actions-{item_id}", "elements": buttons}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> blocks.Block:
    button: blocks.Block = {"type": "button", "action_id": action_id, "value": value}
    button["text"] = {"type": "plain_text", "text": label, "emoji": True}
    if style:
        button["style"] = style
    return button


def _person(user_id: str | None) -> str | None:
    if not user_id:
        return None
    # An owner the interview could not resolve to a Slack id is a typed name: the
    # template escapes a plain str.
    return SlackText(mention(user_id)) if is_user_id(user_id) else user_id


def _snoozed(item: ItemView, today: date) -> str | None:
    if item.snoozed_until is None or not is_snoozed(item.snoozed_until, today):
        return None
    return day_label(item.snoozed_until)


def deadline_modal(item: ItemView, metadata: str) -> blocks.Block:
    """A modal with a date picker; `metadata` says which message to re-draw after."""
    picker: blocks.Block = {"type": "datepicker", "action_id": DEADLINE_INPUT}
    if item.deadline:
        picker["initial_date"] = item.deadline.isoformat()
    field = {"type": "input", "block_id": DEADLINE_BLOCK, "element": picker}
    field["label"] = {"type": "plain_text", "text": "New deadline"}
    return {
        "type": "modal",
        "callback_id": DEADLINE_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": f"Deadline of {item.code}"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [blocks.section(f"*{item.code}*"), field],
    }


def item_done_line(templates: Templates, item: ItemView, user_id: str) -> str:
    return templates.render(
        "slack/followup/item_done.mrkdwn.j2",
        code=item.code,
        by=SlackText(mention(user_id)),
        action=item.action[:ACTION_CHARS],
    ).strip()
