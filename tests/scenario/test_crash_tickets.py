"""A ticket's status survives a crash (issues 11 and 16): GitHub is answered 200 only once
the closed issue is kept, and its line in the thread is said once, however the bot dies.

The real `serve` with one inbox worker and the GitHub stand-in. The sandbox holds the
thread line's `chat.postMessage`, the bot is killed (-9) with it in flight, and that call
is then let through, as Slack finishes a request whose caller died. Restarted on the same
database, the inbox replays the kept webhook: the item is already done, the line's claim is
taken back, the stamp is found in the thread and nothing is posted twice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import free_port, running_bot
from bot.sandbox.driver import Driver
from bot.sandbox.github_api import TOKEN, WEBHOOK_SECRET, GitHubState
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE
from tests.scenario.test_crash_posts import _kill_while_held
from tests.scenario.test_durable import _open_items, db
from tests.scenario.test_tickets import REPO, deliver, items, lines, seeded, told

__all__ = ["db"]

WAIT = 30.0


@pytest.fixture
def github(sandbox: Sandbox) -> Iterator[GitHubState]:
    state = GitHubState()
    state.add_repository(REPO)
    sandbox.mount("/github", state.route)
    yield state


def _settings(sandbox: Sandbox) -> dict[str, str]:
    return {
        "INBOX_WORKERS": "1",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": f"{sandbox.base_url}/github",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


def test_the_closed_issues_thread_line_survives_a_kill_after_the_200_and_is_said_once(
    sandbox: Sandbox, github: GitHubState, database_url: str, db: sessionmaker[Session]
) -> None:
    port, env = free_port(), _settings(sandbox)
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=env) as bot:
        thread = seeded(sandbox, db)
        with Driver(bot.url, bot.signing_secret, sandbox) as people:
            people.slash_command(ALICE, CHANNEL, "publish")
            told(sandbox, ALICE, "Published")
            sandbox.poll(lambda: _open_items(db) == 0, timeout=WAIT)
        sandbox.latency.hold("chat.postMessage")
        body, headers = github.set_state(REPO, 1, "closed")
        answer = deliver(bot, body, headers)
        assert answer.status_code == 200 and answer.json()["recorded"] is True
        sandbox.wait_for(lambda: sandbox.latency.waiting("chat.postMessage") >= 1, timeout=WAIT)
        assert items(db)[0].status == "done", "the change is committed before the line"
        _kill_while_held(sandbox, bot, "chat.postMessage")
    assert len(lines(sandbox, thread, "AI-001 is done")) == 1, "Slack finished the dead call"

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=env) as bot:
        sandbox.poll(lambda: _open_items(db) == 0, timeout=WAIT)
        assert len(lines(sandbox, thread, "AI-001 is done")) == 1, "adopted, not posted again"
        assert items(db)[0].status == "done" and items(db)[1].status == "open"
        # GitHub redelivers what it got no answer for: kept once, said once.
        assert deliver(bot, body, headers).json()["recorded"] is False
    assert len(lines(sandbox, thread, "AI-001 is done")) == 1


def test_the_line_whose_post_never_reached_slack_is_posted_after_the_restart(
    sandbox: Sandbox, github: GitHubState, database_url: str, db: sessionmaker[Session]
) -> None:
    """Killed after the change was committed and before Slack heard of the line."""
    port, env = free_port(), _settings(sandbox)
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=env) as bot:
        thread = seeded(sandbox, db)
        with Driver(bot.url, bot.signing_secret, sandbox) as people:
            people.slash_command(ALICE, CHANNEL, "publish")
            told(sandbox, ALICE, "Published")
            sandbox.poll(lambda: _open_items(db) == 0, timeout=WAIT)
        # The line's stamp lookup comes first only on a retry, so hold the post itself
        # and kill with it held: the call then dies with the process, unanswered.
        sandbox.latency.hold("chat.postMessage")
        body, headers = github.set_state(REPO, 1, "closed")
        assert deliver(bot, body, headers).json()["recorded"] is True
        _kill_while_held(sandbox, bot, "chat.postMessage", reaches_slack=False)
    assert lines(sandbox, thread, "AI-001 is done") == [], "Slack never took the line"

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=env):
        sandbox.wait_for(lambda: lines(sandbox, thread, "AI-001 is done"), timeout=WAIT)
        sandbox.poll(lambda: _open_items(db) == 0, timeout=WAIT)
    assert len(lines(sandbox, thread, "AI-001 is done")) == 1
