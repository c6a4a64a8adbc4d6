"""The periodic sync (issue 16): a ticket closed where no webhook reaches the bot still
marks its item done, with one line in the thread, by the webhooks' own path.

The real `serve` and the GitHub stand-in; the issue is closed on "github.com" and its
webhook is never delivered. `postmortem-bot remind --at` runs the jobs once, as cron
would (the sync among them): it asks GitHub for the issue, records the change in the
inbox, and the serving bot's worker applies it and says it once. Asked again in the same
slot, the item is not asked twice; in the next slot it is asked and nothing changes.
A token whose budget runs low stops the run early; the next run goes on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.flows.ticket_sync import RESERVE
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import Driver
from bot.sandbox.github_api import TOKEN, WEBHOOK_SECRET, GitHubState
from tests.followup_seed import remind
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE
from tests.scenario.test_tickets import (
    REPO,
    db,
    github,
    items,
    lines,
    people,
    seeded,
    tickets_bot,
    told,
)

__all__ = ["db", "github", "people", "tickets_bot"]  # the fixtures


def _sync(sandbox: Sandbox, bot: BotProcess, at: datetime) -> str:
    env = {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": f"{sandbox.base_url}/github",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    out = remind(sandbox, bot.database_url, at, env=env)
    return next(line for line in out.splitlines() if line.startswith("tracker_sync:"))


def _asked(github: GitHubState, number: int) -> int:
    return len([c for c in github.calls_to("GET") if c.path.endswith(f"/issues/{number}")])


def _published(sandbox: Sandbox, people: Driver, db: sessionmaker[Session]) -> str:
    thread = seeded(sandbox, db)
    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Published")
    return thread


def test_an_issue_closed_with_no_webhook_is_done_after_a_sync_with_one_line(
    sandbox: Sandbox,
    github: GitHubState,
    people: Driver,
    db: sessionmaker[Session],
    tickets_bot: BotProcess,
) -> None:
    thread = _published(sandbox, people, db)
    github.set_state(REPO, 1, "closed")  # its webhook never reaches the bot
    at = datetime.now(UTC)

    assert _sync(sandbox, tickets_bot, at) == "tracker_sync: 1 changed, 1 same"
    sandbox.poll(lambda: items(db)[0].status == "done")
    sandbox.wait_for(lambda: lines(sandbox, thread, "AI-001 is done"))
    assert items(db)[1].status == "open"
    assert (_asked(github, 1), _asked(github, 2)) == (1, 1)

    assert _sync(sandbox, tickets_bot, at) == "tracker_sync: nothing due", "once per slot"
    assert (_asked(github, 1), _asked(github, 2)) == (1, 1)
    assert _sync(sandbox, tickets_bot, at + timedelta(minutes=31)) == "tracker_sync: 2 same"
    assert _asked(github, 1) == 2
    assert len(lines(sandbox, thread, "AI-001 is done")) == 1

    github.set_state(REPO, 1, "open")  # reopened on github.com, no webhook either
    assert (
        _sync(sandbox, tickets_bot, at + timedelta(minutes=61)) == "tracker_sync: 1 changed, 1 same"
    )
    sandbox.poll(lambda: items(db)[0].status == "open")
    sandbox.wait_for(lambda: lines(sandbox, thread, "AI-001 is open again"))


def test_a_token_running_low_stops_the_sync_early_and_the_next_run_goes_on(
    sandbox: Sandbox,
    github: GitHubState,
    people: Driver,
    db: sessionmaker[Session],
    tickets_bot: BotProcess,
) -> None:
    thread = _published(sandbox, people, db)
    github.set_state(REPO, 1, "closed")
    github.set_state(REPO, 2, "closed")
    github.rate_remaining = RESERVE  # one answer more and less than the reserve is left
    at = datetime.now(UTC)

    assert _sync(sandbox, tickets_bot, at) == "tracker_sync: 1 changed, 1 paused"
    sandbox.poll(lambda: items(db)[0].status == "done")
    assert items(db)[1].status == "open" and _asked(github, 2) == 0

    github.rate_remaining = 5000  # the hour is over
    # the run asks only what the first one left (AI-002), not AI-001 again
    assert _sync(sandbox, tickets_bot, at) == "tracker_sync: 1 changed"
    assert (_asked(github, 1), _asked(github, 2)) == (1, 1)
    sandbox.poll(lambda: items(db)[1].status == "done")
    sandbox.wait_for(lambda: lines(sandbox, thread, "AI-002 is done"))
    assert len(lines(sandbox, thread, "is done")) == 2
