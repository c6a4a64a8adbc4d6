"""`/postmortem actions [all]` and `/postmortem followup <date>`."""

from __future__ import annotations

from datetime import date

from bot.core.followup import local_today, parse_day
from bot.core.slack_text import escape
from bot.errors import BadArguments
from bot.flows import timezones
from bot.listeners import acting
from bot.listeners.command_line import Family, Invocation
from bot.services import action_item_lists, followup_review
from bot.slack import followup_blocks, item_page_blocks

FAMILY = Family(__name__)


@FAMILY.subcommand(
    "actions",
    usage="actions [all] [page N]",
    summary="your open action items; `all`: every item of this channel's post-mortem",
)
def list_actions(invocation: Invocation) -> None:
    """The caller's open items, or with `all` every item of the channel's post-mortem,
    20 a page: "Next page" and "Previous page" buttons, or `page 2`."""
    scope, page = _scope_and_page(invocation.command.rest)
    deps, team_id, user_id = invocation.deps, invocation.team_id, invocation.user_id
    today = _today(invocation)
    with deps.sessions.begin() as session:
        if scope == "all":
            heading, rows = action_item_lists.of_channel(session, team_id, invocation.channel_id)
            listing = followup_blocks.ALL
        else:
            heading, rows = action_item_lists.mine_listed(session, team_id, user_id)
            listing = followup_blocks.MINE
        text, blocks = item_page_blocks.paged_list(
            deps.templates, rows, today, heading=heading, listing=listing, page=page
        )
    invocation.respond(text=text, blocks=blocks, response_type="ephemeral")


@FAMILY.subcommand(
    "followup",
    usage="followup [date]",
    summary="move the follow-up review of this channel's post-mortem (lead or admin only)",
)
def move_followup(invocation: Invocation) -> None:
    """The lead (or an admin) moves the channel post-mortem's follow-up review; the channel
    is told."""
    deps, rest = invocation.deps, invocation.command.rest
    today = _today(invocation)
    day = parse_day(rest, today) if rest.strip() else None
    if day is None:
        raise BadArguments(
            "Usage: `/postmortem followup [date]`, e.g. `2026-12-22` or `next friday`."
        )
    with deps.sessions.begin() as session:
        postmortem = followup_review.move(session, acting.of_invocation(invocation), day, today)
        title = postmortem.title
    label = followup_blocks.day_label(day)
    invocation.respond(
        text=f"The follow-up review of *{escape(title)}* is now on {label}: "
        "that morning I will post every action item's status here.",
        response_type="in_channel",
    )


def _scope_and_page(rest: str) -> tuple[str, int]:
    """`""`, `all`, `page 2`, `all page 2` -> (scope, page); BadArguments otherwise."""
    words = rest.strip().lower().split()
    scope = "all" if words[:1] == ["all"] else ""
    words = words[1:] if scope else words
    if not words:
        return scope, 1
    if len(words) == 2 and words[0] == "page" and words[1].isascii() and words[1].isdigit():
        return scope, max(1, min(int(words[1]), 10_000))
    raise BadArguments(
        "Usage: `/postmortem actions`, `/postmortem actions all` or "
        "`/postmortem actions all page 2`."
    )


def _today(invocation: Invocation) -> date:
    deps, now = invocation.deps, invocation.deps.clock()
    zone = timezones.timezone_of(
        invocation.client, invocation.team_id, invocation.user_id, now=now, sessions=deps.sessions
    )
    return local_today(now, zone)
