"""Two hands on one item (issue 16): a double click on Create ticket, or a click racing
publish, files exactly one ticket; the later one is told it is already being created.

The GitHub stand-in answers slowly (a second per call), so both requests are with it at
once; the clicks come from two places (the channel and the interview thread), which the
inbox runs side by side rather than one after the other.

Filing claims here go stale after STALE seconds (TICKET_FILING_STALE_SECONDS), not two
minutes, so a publish slower than that shows whether a later item can be taken from it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.sandbox.github_api import GitHubState
from bot.slack.interview_blocks import ITEM_TICKET
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE
from tests.scenario.test_tickets import (
    REPO,
    db,
    github,
    github_env,
    items,
    people,
    seeded,
    told,
)

__all__ = ["db", "github", "people"]  # the fixtures

SLOW = 1.0
CALL = 2.0  # seconds GitHub takes per answer in the long-publish test
STALE = 2  # seconds before a filing claim counts as left by a dead process


@pytest.fixture
def tickets_bot(sandbox: Sandbox, github: GitHubState, database_url: str) -> Iterator[BotProcess]:
    """The tickets bot of `test_tickets`, its filing claims going stale after STALE s."""
    env = {**github_env(sandbox), "TICKET_FILING_STALE_SECONDS": str(STALE)}
    with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
        yield bot


def test_a_double_click_on_create_ticket_files_one_issue_and_says_so_to_the_second(
    sandbox: Sandbox, github: GitHubState, people: Driver, db: sessionmaker[Session]
) -> None:
    thread = seeded(sandbox, db)
    second = items(db)[1]
    github.delay_seconds = SLOW
    with ThreadPoolExecutor(2) as hands:
        clicks = [
            hands.submit(people.block_action, ALICE, CHANNEL, ITEM_TICKET, str(second.id)),
            hands.submit(
                people.block_action,
                ALICE,
                CHANNEL,
                ITEM_TICKET,
                str(second.id),
                thread_ts=thread,
            ),
        ]
        assert [click.result().status_code for click in clicks] == [200, 200]
    told(sandbox, ALICE, "AI-002 is already being created")
    told(sandbox, ALICE, "AI-002 → #1")
    sandbox.poll(lambda: items(db)[1].ticket_url == f"https://github.com/{REPO}/issues/1")
    assert len(github.created(REPO)) == 1


def test_a_click_racing_publish_leaves_one_issue_per_item(
    sandbox: Sandbox, github: GitHubState, people: Driver, db: sessionmaker[Session]
) -> None:
    thread = seeded(sandbox, db)
    second = items(db)[1]
    github.delay_seconds = SLOW
    with ThreadPoolExecutor(2) as hands:
        publish = hands.submit(people.slash_command, ALICE, CHANNEL, "publish")
        click = hands.submit(
            people.block_action, ALICE, CHANNEL, ITEM_TICKET, str(second.id), thread_ts=thread
        )
        assert (publish.result().status_code, click.result().status_code) == (200, 200)
    told(sandbox, ALICE, "Published")
    sandbox.poll(lambda: all(item.ticket_url for item in items(db)), timeout=20)
    github.delay_seconds = 0
    created = github.created(REPO)
    assert len(created) == 2, [issue["title"] for issue in created]
    assert sorted(item.ticket_url or "" for item in items(db)) == sorted(
        issue["html_url"] for issue in created
    )


def test_a_publish_slower_than_a_claim_lives_keeps_its_later_items_from_a_click(
    sandbox: Sandbox, github: GitHubState, people: Driver, db: sessionmaker[Session]
) -> None:
    """Alice publishes while GitHub takes CALL s per answer; once the publish has been at
    it longer than a claim lives (but before it reaches the second item), she clicks
    Create ticket on that item. One issue per item: the publish had not claimed it yet,
    so the click files it and the publish finds it being created."""
    thread = seeded(sandbox, db)
    second = items(db)[1]
    github.delay_seconds = CALL
    with ThreadPoolExecutor(1) as hand:
        publish = hand.submit(people.slash_command, ALICE, CHANNEL, "publish")
        sandbox.wait_for(lambda: github.calls or None, timeout=20)  # its search answered
        time.sleep(STALE + 0.8 - CALL)  # claims taken before that search are stale now
        click = people.block_action(ALICE, CHANNEL, ITEM_TICKET, str(second.id), thread_ts=thread)
        assert (publish.result().status_code, click.status_code) == (200, 200)
    sandbox.poll(lambda: all(item.ticket_url for item in items(db)), timeout=20)
    time.sleep(2 * CALL)  # a second create of the same item would have landed by now
    created = github.created(REPO)
    assert sorted(issue["title"][:6] for issue in created) == ["AI-001", "AI-002"], created
    assert sorted(item.ticket_url or "" for item in items(db)) == sorted(
        issue["html_url"] for issue in created
    )
