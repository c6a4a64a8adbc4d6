"""Follow-up in Slack, as (fallback text, blocks): digests, item lists, the deadline
modal, the 48-hour nudge and the follow-up review.

Bodies come from `templates/slack/followup/*.mrkdwn.j2`, which escape whatever a
person typed; mentions and channel links are built here as `SlackText`.
Each listed item carries `block_id` `ai-<id>`, so a click can re-render the very
message it came from with fresh statuses. DMs show times in the reader's timezone;
posts in a channel, read by people in many zones, show UTC (DESIGN.md, Conventions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core import ids
from bot.core.followup import day_label, is_overdue, is_snoozed, zone
from bot.core.followup_views import ItemRow, ItemView, PostmortemView
from bot.core.report_text import as_typed, is_user_id
from bot.core.slack_text import channel_link, mention, quote
from bot.errors import BadArguments
from bot.slack import blocks, limits
from bot.templates import SlackText, Templates

Message = tuple[str, list[blocks.Block]]

DONE, SNOOZE, DEADLINE = "action_item_done", "action_item_snooze", "action_item_deadline"
TICKET = "action_item_ticket"  # Create ticket: file the item in the team's tracker
REVIEW_CONFIRM = "followup_review_confirm"
DEADLINE_VIEW = "action_item_deadline"
DEADLINE_BLOCK = DEADLINE_INPUT = "deadline"
# Listings a button can come from: a weekly digest, `/postmortem actions [all]`, the App Home.
DIGEST, MINE, ALL, HOME = "digest", "mine", "all", "home"
LISTINGS = (DIGEST, MINE, ALL, HOME)
# Lists that end in "…and N more" rather than pages.
_CAPPED = (DIGEST, HOME)
# Two blocks an item, plus the head: inside Slack's 50 blocks a message.
MAX_ITEMS = 20
ACTION_CHARS = 500
_ITEM_BLOCK = re.compile(r"ai-(\d+)")
REVIEW_ACTIONS = "review-confirm"
# Head, items, "…and N more", the ask and its button: inside Slack's 50 blocks.
MAX_REVIEW_ITEMS = 45


def time_label(moment: datetime, tz: str | None) -> str:
    local = moment.astimezone(zone(tz))
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname()}"


def item_value(item_id: int, listing: str) -> str:
    return f"{item_id}:{listing}"


def parse_item_value(value: str) -> tuple[int, str]:
    """`"42:digest"` -> (42, "digest"); BadArguments for anything the bot did not write."""
    item, _, listing = value.partition(":")
    item_id = ids.row_id(item)
    if item_id is None or listing not in LISTINGS:
        raise BadArguments(
            "That button is out of date; run `/postmortem actions` for a fresh list."
        )
    return item_id, listing


def item_ids(message_blocks: Iterable[blocks.Block]) -> list[int]:
    """The items a message lists, in order, read back from its block ids."""
    found = (_ITEM_BLOCK.fullmatch(str(b.get("block_id", ""))) for b in message_blocks)
    return [int(match[1]) for match in found if match]


def digest(templates: Templates, rows: Sequence[ItemRow], today: date) -> Message:
    """The weekly DM: every open item the owner has, with its buttons."""
    open_rows = [row for row in rows if row[0].status == "open"]
    codes = ", ".join(item.code for item, _ in open_rows[:MAX_ITEMS])
    text = f"You have {len(open_rows)} open action item(s): {codes}"
    listed = items_blocks(templates, rows, today, DIGEST, False)
    return limits.within(text, [blocks.section(digest_head(templates, rows, today)), *listed])


def digest_head(templates: Templates, rows: Sequence[ItemRow], today: date) -> str:
    """How many items are open, from how many post-mortems, how many overdue, and what the
    buttons do: the digest's head, and the App Home's."""
    open_rows = [row for row in rows if row[0].status == "open"]
    return templates.render(
        "slack/followup/digest.mrkdwn.j2",
        count=len(open_rows),
        postmortems=len({pm.id for _, pm in open_rows}),
        today=day_label(today),
        overdue=sum(is_overdue(item.deadline, today) for item, _ in open_rows),
    ).strip()


def item_list(
    templates: Templates,
    rows: Sequence[ItemRow],
    today: date,
    *,
    heading: str,
    listing: str,
    notice: str | None = None,
    page: int = 1,
) -> Message:
    """`/postmortem actions [all] [page N]`: a page of the items (20 each) with the same
    buttons as the digest, and how to reach the next page; the heading (it may name the
    post-mortem) is quoted like every word people wrote."""
    pages = max(1, -(-len(rows) // MAX_ITEMS))
    page = min(max(page, 1), pages)
    head = [blocks.section(f"*{quote(heading)}*")]
    if notice:
        head.append(blocks.context(notice))
    if not rows:
        head.append(blocks.context("Nothing open. :tada:"))
    shown = rows[(page - 1) * MAX_ITEMS : page * MAX_ITEMS]
    body = items_blocks(templates, shown, today, listing, listing == ALL)
    if pages > 1:
        body.append(blocks.context(_page_line(listing, page, pages, len(rows))))
    return limits.within(f"{quote(heading)}: {len(rows)}", [*head, *body])


def page_of(rows: Sequence[ItemRow], item_id: int) -> int:
    """The page of a listing that shows `item_id` (1 when it is not listed)."""
    index = next((i for i, (item, _) in enumerate(rows) if item.id == item_id), 0)
    return index // MAX_ITEMS + 1


def _page_line(listing: str, page: int, pages: int, total: int) -> str:
    first, last = (page - 1) * MAX_ITEMS + 1, min(page * MAX_ITEMS, total)
    command = "/postmortem actions all" if listing == ALL else "/postmortem actions"
    line = f"Items {first}–{last} of {total} (page {page} of {pages})."
    if page < pages:
        line += f" Next: `{command} page {page + 1}`."
    return line


def refreshed(
    templates: Templates, rows: Sequence[ItemRow], today: date, notice: str | None
) -> Message:
    """A digest re-drawn after a click: the same items, as they stand now."""
    text, body = digest(templates, rows, today)
    if notice:
        body.insert(1, blocks.context(notice))
    return limits.within(text, body)


def items_blocks(
    templates: Templates, rows: Sequence[ItemRow], today: date, listing: str, show_owner: bool
) -> list[blocks.Block]:
    """The first MAX_ITEMS items with their buttons (at most 3 blocks each); a digest or a
    Home then says how many more there are and where to see them."""
    out: list[blocks.Block] = []
    for item, postmortem in rows[:MAX_ITEMS]:
        out.extend(item_blocks(templates, item, postmortem, today, listing, show_owner))
    if len(rows) > MAX_ITEMS and listing in _CAPPED:
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
        action=as_typed(item.action)[:ACTION_CHARS],
        title=SlackText(quote(postmortem.title)),
        channel=SlackText(channel_link(postmortem.channel_id)),
        owner=_person(item.owner_id) if show_owner else None,
        deadline=day_label(item.deadline) if item.deadline else None,
        overdue=not done and is_overdue(item.deadline, today),
        priority=item.priority,
        snoozed_until=_snoozed(item, today),
        done_by=_person(item.done_by) if done else None,
    )
    section = dict(blocks.section(text.strip()), block_id=f"ai-{item.id}")
    shown = [section]
    if item.ticket_url:
        shown.append(blocks.context(f"Ticket: <{item.ticket_url}|{item.ticket_url}>"))
    if done:
        return shown
    return [*shown, _buttons(item.id, listing, ticket=not item.ticket_url)]


def _buttons(item_id: int, listing: str, *, ticket: bool = False) -> blocks.Block:
    value = item_value(item_id, listing)
    buttons = [
        _button("Done", DONE, value, style="primary"),
        _button("Snooze a week", SNOOZE, value),
        _button("Change deadline", DEADLINE, value),
    ]
    if ticket:
        buttons.append(_button("Create ticket", TICKET, value))
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
    return limits.fit_view(
        {
            "type": "modal",
            "callback_id": DEADLINE_VIEW,
            "private_metadata": metadata,
            "title": {"type": "plain_text", "text": f"Deadline of {item.code}"},
            "submit": {"type": "plain_text", "text": "Save"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [blocks.section(f"*{item.code}*"), field],
        }
    )


def item_done_line(templates: Templates, item: ItemView, user_id: str) -> str:
    return templates.render(
        "slack/followup/item_done.mrkdwn.j2",
        code=item.code,
        by=SlackText(mention(user_id)),
        action=as_typed(item.action)[:ACTION_CHARS],
    ).strip()


def _since_what(postmortem: PostmortemView) -> str:
    if postmortem.incident_end:
        return "ended"
    return "started" if postmortem.incident_start else "was opened here"


@dataclass(frozen=True)
class Nudge:
    """Which nudge this is: `number` counts the ones really sent (this one included), `left`
    how many more the clock allows; `base` is when the 48 hours started counting."""

    number: int
    left: int
    base: datetime
    now: datetime

    def words(self, tz: str | None) -> dict[str, object]:
        hours = int((self.now - self.base).total_seconds() // 3600)
        return {"since": time_label(self.base, tz), "hours": hours}


def nudge_dm(
    templates: Templates, postmortem: PostmortemView, nudge: Nudge, *, tz: str | None
) -> Message:
    body = templates.render(
        "slack/followup/nudge_dm.mrkdwn.j2",
        title=SlackText(quote(postmortem.title)),
        channel=SlackText(channel_link(postmortem.channel_id)),
        since_what=_since_what(postmortem),
        number=nudge.number,
        left=nudge.left,
        **nudge.words(tz),
    )
    return f"The report of {quote(postmortem.title)} is not published yet", [
        blocks.section(body.strip())
    ]


def nudge_thread(templates: Templates, postmortem: PostmortemView, nudge: Nudge) -> Message:
    body = templates.render(
        "slack/followup/nudge_thread.mrkdwn.j2",
        since_what=_since_what(postmortem),
        lead=SlackText(mention(postmortem.lead_user_id)),
        number=nudge.number,
        left=nudge.left,
        **nudge.words("UTC"),
    )
    return "This post-mortem's report is not published yet", [blocks.section(body.strip())]


def review(
    templates: Templates, postmortem: PostmortemView, items: Sequence[ItemView], today: date
) -> Message:
    """Every item's status, then a button only the lead may press."""
    head = templates.render(
        "slack/followup/review.mrkdwn.j2",
        title=SlackText(quote(postmortem.title)),
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
    text = f"Follow-up review of {quote(postmortem.title)}"
    parts = [blocks.section(head.strip()), *listed, blocks.section(ask.strip()), actions]
    return limits.within(text, parts)


def review_confirmed(
    message_blocks: Sequence[blocks.Block], user_id: str, when: str
) -> list[blocks.Block]:
    """The review post with its button replaced by who confirmed it, and when."""
    kept = [b for b in message_blocks if b.get("block_id") != REVIEW_ACTIONS]
    return [
        *kept,
        blocks.context(f":white_check_mark: Review confirmed by {mention(user_id)}, {when}."),
    ]
