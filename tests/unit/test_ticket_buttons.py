"""Where an action item appears, a Create ticket button until it has a ticket, and its
link once it does: under the interview's notice and in listed items."""

from __future__ import annotations

from datetime import date

from bot.core.followup_views import ItemView, PostmortemView
from bot.core.interview_views import ItemNotice
from bot.slack import followup_blocks, interview_blocks
from bot.templates import Templates


def _notice(item_id: int | None) -> ItemNotice:
    return ItemNotice(
        code="AI-001",
        action="add a pool saturation alert",
        owner_id="U0BOB",
        deadline=date(2026, 12, 4),
        priority="High",
        factor_chain=2,
        factor_kind="monitoring",
        vague_kept=False,
        created=True,
        item_id=item_id,
    )


def test_the_interview_notice_of_a_stored_item_offers_create_ticket() -> None:
    _, shown = interview_blocks.item(_notice(41), Templates())
    button = shown[-1]["elements"][0]
    assert (button["action_id"], button["value"]) == (interview_blocks.ITEM_TICKET, "41")
    _, unsaved = interview_blocks.item(_notice(None), Templates())
    assert all(block["type"] != "actions" for block in unsaved)


def _listed(ticket_url: str | None) -> list[dict[str, object]]:
    item = ItemView(
        id=41,
        code="AI-001",
        action="add a pool saturation alert",
        status="open",
        owner_id="U0BOB",
        deadline=date(2026, 12, 4),
        priority="High",
        snoozed_until=None,
        done_by=None,
        ticket_url=ticket_url,
    )
    postmortem = PostmortemView(
        id=1,
        title="Checkout 500s",
        channel_id="C1",
        thread_ts=None,
        lead_user_id="U0ALICE",
        incident_start=None,
        incident_end=None,
        published_at=None,
    )
    return followup_blocks.item_blocks(
        Templates(), item, postmortem, date(2026, 12, 1), followup_blocks.MINE, True
    )


def test_a_listed_item_without_a_ticket_has_the_button_and_with_one_its_link() -> None:
    without = _listed(None)
    actions = [e["action_id"] for e in without[-1]["elements"]]  # type: ignore[index, union-attr]
    assert followup_blocks.TICKET in actions
    url = "https://github.com/acme/checkout/issues/1"
    shown = _listed(url)
    assert f"Ticket: <{url}|{url}>" in str(shown[1])
    assert followup_blocks.TICKET not in str(shown[-1])
