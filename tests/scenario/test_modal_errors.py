"""A modal whose work fails after it closed: the person is told, by direct message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from bot.slack import action_item_blocks

ALICE = "U0ALICE"
GONE = 4242  # no post-mortem has this id


def _values(action: str, owner: str, deadline: str, priority: str) -> dict:
    return {
        "action": {"value": {"type": "plain_text_input", "value": action}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "deadline": {"value": {"type": "datepicker", "selected_date": deadline}},
        "priority": {"value": {"type": "static_select", "selected_option": {"value": priority}}},
    }


def test_an_item_for_a_postmortem_that_is_gone_is_answered_by_direct_message(
    driver: Driver, sandbox: Sandbox
) -> None:
    due = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
    values = _values("add a pool-size range check to deploy.sh", ALICE, due, "High")

    closed = driver.view_submission(ALICE, action_item_blocks.modal(GONE, []), values)

    assert closed.status_code == 200 and not closed.content, "the form was fine: it closes"
    dm = sandbox.slack.dm_id(ALICE)
    told = sandbox.wait_for(lambda: dm in sandbox.slack.channels and sandbox.slack.messages(dm))
    assert told[0]["text"] == "*Add action item*: That post-mortem does not exist any more."
