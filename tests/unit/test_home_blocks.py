"""The App Home tab as Slack receives it: items with the DM's buttons, post-mortems with
their state and report page, within the limits Slack's `views.publish` enforces."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.core.followup_views import ItemRow, ItemView, PostmortemView
from bot.core.home_views import (
    INTERVIEW,
    LEAD,
    PUBLISHED,
    REVIEW_DUE,
    REVIEWED,
    TOOK_PART,
    Home,
    HomePostmortem,
    state_of,
)
from bot.sandbox.block_limits import view_problems
from bot.sandbox.reading import visible_text
from bot.slack import followup_blocks, home_blocks
from bot.templates import Templates

TODAY = date(2026, 12, 1)
OWNER = "U0OWNER"


def _postmortem_view(pm_id: int = 7, title: str = "Checkout 500s") -> PostmortemView:
    return PostmortemView(
        id=pm_id,
        title=title,
        channel_id="C0INC",
        thread_ts="1700000000.000100",
        lead_user_id="U0LEAD",
        incident_start=None,
        incident_end=None,
        published_at=None,
    )


def _item(item_id: int, *, deadline: date | None, ticket: str | None = None) -> ItemRow:
    item = ItemView(
        id=item_id,
        code=f"AI-{item_id:03d}",
        action=f"Fix thing {item_id}",
        status="open",
        owner_id=OWNER,
        deadline=deadline,
        priority="High",
        snoozed_until=None,
        done_by=None,
        ticket_url=ticket,
    )
    return item, _postmortem_view()


def _listed(pm_id: int, *, role: str = TOOK_PART, url: str | None = None) -> HomePostmortem:
    return HomePostmortem(
        id=pm_id,
        title=f"Incident {pm_id} <!channel>",
        channel_id=f"C0{pm_id:04d}",
        lead_user_id="U0LEAD",
        role=role,
        state=PUBLISHED,
        created_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=pm_id),
        report_url=url,
    )


def _home(items: int, postmortems: int, older: int = 0, **extra: Any) -> Home:
    rows = tuple(_item(n, deadline=TODAY + timedelta(days=n)) for n in range(1, items + 1))
    listed = tuple(_listed(n) for n in range(1, postmortems + 1))
    return Home(OWNER, TODAY, rows, listed, older_postmortems=older, **extra)


def _buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_an_owner_with_60_items_and_30_postmortems_gets_a_view_slack_accepts() -> None:
    view = home_blocks.home_view(Templates(), _home(60, 30, older=12))

    assert view["type"] == "home"
    assert view_problems(view) == [], "the sandbox's own reading of Slack's limits"
    assert len(view["blocks"]) <= 100
    text = visible_text(view)
    shown = [n for n in range(1, 61) if f"*AI-{n:03d}* Fix thing {n}" in text]
    assert shown == list(range(1, 21)), "the first 20 by deadline"
    assert "…and 40 more: `/postmortem actions` lists them all." in text
    assert text.count("Incident ") == 30 and "…and 12 older post-mortem(s)." in text


def test_home_buttons_are_the_digests_own_with_the_home_listing() -> None:
    view = home_blocks.home_view(Templates(), _home(2, 0))

    buttons = _buttons(view)
    assert {b["action_id"] for b in buttons} == {
        followup_blocks.DONE,
        followup_blocks.SNOOZE,
        followup_blocks.DEADLINE,
        followup_blocks.TICKET,
    }
    assert {b["value"] for b in buttons} == {"1:home", "2:home"}
    assert followup_blocks.parse_item_value("2:home") == (2, followup_blocks.HOME)


def test_an_item_with_a_ticket_shows_its_link_and_no_create_ticket_button() -> None:
    rows = (_item(1, deadline=TODAY, ticket="https://github.com/acme/shop/issues/12"),)
    view = home_blocks.home_view(Templates(), Home(OWNER, TODAY, rows, ()))

    assert "<https://github.com/acme/shop/issues/12|" in visible_text(view)
    assert followup_blocks.TICKET not in {b["action_id"] for b in _buttons(view)}


def test_a_postmortem_line_says_its_state_who_leads_and_links_its_report_page() -> None:
    shared = _listed(3, role=LEAD, url="https://pm.example.com/postmortems/tok3n")
    view = home_blocks.home_view(Templates(), Home(OWNER, TODAY, (), (shared, _listed(4))))

    lines = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    lead_line, other_line = lines[-2], lines[-1]
    assert lead_line.startswith("*Incident 3 @channel* · published · you lead it\n<#C00003> · ")
    assert "<https://pm.example.com/postmortems/tok3n|Report page>" in lead_line
    assert "· lead <@U0LEAD>" in other_line and "no report page yet" in other_line
    assert "<!channel>" not in visible_text(view) and "Incident 3 @channel" in lead_line, "inert"
    assert "Nothing open. :tada:" in visible_text(view)


def test_a_notice_after_a_click_is_shown_above_the_items() -> None:
    view = home_blocks.home_view(Templates(), _home(1, 1, notice=":zzz: AI-001 is snoozed."))

    assert view["blocks"][1]["elements"][0]["text"] == ":zzz: AI-001 is snoozed."


def test_state_words_follow_the_postmortem_from_interview_to_reviewed() -> None:
    published = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert state_of(None, None, None, TODAY) == INTERVIEW
    assert state_of(published, None, None, date(2026, 11, 28)) == PUBLISHED
    assert state_of(published, None, None, date(2026, 11, 29)) == REVIEW_DUE, "four weeks on"
    assert state_of(published, date(2026, 12, 15), None, TODAY) == PUBLISHED, "moved later"
    assert state_of(published, None, published + timedelta(weeks=4), TODAY) == REVIEWED
