"""Two hands on one item (issue 16): a double click on Create ticket, or a click racing
publish, files exactly one ticket; the later one is told it is already being created.

The GitHub stand-in answers slowly (a second per call), so both requests are with it at
once; the clicks come from two places (the channel and the interview thread), which the
inbox runs side by side rather than one after the other.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from bot.sandbox.github_api import GitHubState
from bot.slack.interview_blocks import ITEM_TICKET
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE
from tests.scenario.test_tickets import (
    REPO,
    db,
    github,
    items,
    people,
    seeded,
    tickets_bot,
    told,
)

__all__ = ["db", "github", "people", "tickets_bot"]  # the fixtures

SLOW = 1.0


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
