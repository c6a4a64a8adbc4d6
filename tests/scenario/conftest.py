"""Scenario fixtures: the real bot process, a sandbox Slack, and a driver that signs like Slack.

Slack reaches an app two ways, so the scenarios that concern Slack's requests run in both:
`slack_mode` is "http" (signed POSTs to /slack/events) or "socket" (envelopes over the
sandbox's Socket Mode WebSocket, acknowledged by the bot; `bot.sandbox.socket_mode`).
A test runs in both when it is in a module of BOTH_MODES and takes the `bot` or `driver`
fixture (or takes `slack_mode` itself, as test_report's and test_timeline's bot fixtures
and test_interview's restart halfway do). The transport does not depend on the database, so Socket Mode runs
on SQLite only. Running all of it twice would add the whole suite's time again; this
adds about 64 tests (some 7 minutes of CI).

Run in HTTP only, and why:
  test_durable, test_readonly  what Slack is answered (503, Retry headers, /healthz) while
                               the database cannot record or the bot stops; over Socket
                               Mode that answer is "no ack", which test_socket_mode covers
  test_replicas                replicas behind one HTTP address
  test_oauth                   the OAuth install routes and multi-workspace installs:
                               HTTP by nature (Socket Mode apps are not distributed)
  test_serve_migrate           the start of `serve`, before any request
  test_report_page, test_report_fidelity, test_reminders, test_crash_posts,
  test_tickets_jira, test_tickets_sync, the metrics and alert modules
                               report pages, scheduled jobs, crash recovery, trackers' and
                               monitoring webhooks: the Slack requests they send are the
                               same kinds the modules run in both already send
and, within the modules run in both, the tests named in HTTP_ONLY_TESTS (a forged
signature, a PagerDuty webhook: no Slack request at all), and those that start their own
bot with settings of their own (test_checklist's team without a pager, test_history_shapes'
:star: team, test_tickets' GitHub scenarios): what they test is that setting or GitHub's
side, and the Slack requests they send (start, publish, a button) are the kinds the tests
run in both send already.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker

INCIDENT_CHANNEL = "C0INCIDENT"
# The scenario modules that run over Socket Mode too (see the module docstring).
BOTH_MODES = frozenset(
    {
        "test_actions_pages",
        "test_app_home",
        "test_backfill_limited",
        "test_checklist",
        "test_factor_links",
        "test_followup_edges",
        "test_history_shapes",
        "test_interview",
        "test_interview_external",
        "test_interview_flow",
        "test_limits",
        "test_milestones",
        "test_modal_errors",
        "test_report",
        "test_report_evidence",
        "test_start",
        "test_tickets",
        "test_timeline",
        "test_uninstall_events",
        "test_socket_mode",
    }
)
HTTP_ONLY_TESTS = frozenset(
    {
        "test_app_home.py::test_the_messages_tab_and_a_retried_delivery_publish_nothing_more",
        "test_start.py::test_a_forged_signature_is_refused_and_changes_nothing",
        "test_timeline.py::test_a_forged_pagerduty_webhook_is_refused_and_a_retried_one_kept_once",
    }
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`slack_mode`: both for the modules in BOTH_MODES, else HTTP alone."""
    if "slack_mode" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    modes = ["http", "socket"] if module in BOTH_MODES else ["http"]
    if f"{module}.py::{metafunc.function.__name__}" in HTTP_ONLY_TESTS:
        modes = ["http"]
    if module == "test_socket_mode":
        modes = ["socket"]
    metafunc.parametrize("slack_mode", modes, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Socket Mode on SQLite only: the transport does not depend on the database."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        params = params.params if params is not None else {}
        both = params.get("slack_mode") == "socket" and params.get("database_url") == "postgresql"
        (dropped if both else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def slack_mode(request: pytest.FixtureRequest) -> str:
    """How Slack reaches the bot: "http" or "socket" (see the module docstring)."""
    return str(getattr(request, "param", "http"))


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with Sandbox(rate_window_seconds=1.0) as sandbox:
        sandbox.slack.add_user("U0ALICE", "alice", real_name="Alice Ng", tz="Europe/Berlin")
        sandbox.slack.add_user("U0BOB", "bob", real_name="Bob Diaz", tz="America/New_York")
        sandbox.slack.add_channel(
            INCIDENT_CHANNEL, "inc-checkout-500s", members=("U0ALICE", "U0BOB")
        )
        yield sandbox
        # Every payload the bot sent was checked against Slack's limits on the way in.
        if request.node.get_closest_marker("slack_refusals") is None:
            refused = sandbox.refusals()
            assert not refused, f"Slack would refuse these payloads: {refused}"


@pytest.fixture
def bot(sandbox: Sandbox, database_url: str, slack_mode: str) -> Iterator[BotProcess]:
    socket_mode = slack_mode == "socket"
    with running_bot(sandbox, database_url=database_url, socket_mode=socket_mode) as bot:
        if socket_mode:
            sandbox.socket_mode.wait_connected()
        yield bot


@pytest.fixture
def driver(bot: BotProcess, sandbox: Sandbox, slack_mode: str) -> Driver:
    return Driver(
        bot_url=bot.url,
        signing_secret=bot.signing_secret,
        sandbox=sandbox,
        pagerduty_secret=bot.pagerduty_secret,
        socket_mode=slack_mode == "socket",
    )


@pytest.fixture
def bot_db(bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    """Read-only eyes on the bot's database, for assertions."""
    engine = make_engine(bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()
