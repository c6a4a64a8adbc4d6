"""Action items as Jira Cloud issues, through the real `serve` and the Jira stand-in.

A channel names its Jira project (`/postmortem tracker jira OPS`) and Bob names his
Atlassian account's email (`/postmortem me jira …`). Alice publishes a seeded post-mortem
with two items: each becomes one issue in OPS with its summary, an Atlassian Document
Format description carrying every field and the hidden item marker, the due date, the
priority by name, labels `post-mortem` and the factor's kind, and Bob's accountId as the
assignee of his. Moving an issue into a status of the done category marks its item done
with a line in the thread, moving it out reopens it; a forged webhook is 401 and changes
nothing, a retried one changes nothing more. Jira down at publish is explained, and once
it is back each item still gets exactly one issue (a lost answer is adopted, not refiled).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.jira.document import plain_text
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.sandbox.jira_api import EMAIL, TOKEN, WEBHOOK_SECRET, JiraState
from bot.slack.interview_blocks import ITEM_TICKET
from bot.trackers.signing import signature
from storage.db import make_engine, make_sessionmaker
from tests.followup_seed import remind
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE, BOB
from tests.scenario.test_tickets import items, lines, processed, report_markdown, seeded, told
from tests.security.wire import MIB, raw_post, repeated

PROJECT = "OPS"
BOBS_EMAIL, BOBS_ACCOUNT = "bob.diaz@acme.example", "5b10ac8d82e05b22cc7d4ef5"


@pytest.fixture
def jira(sandbox: Sandbox) -> JiraState:
    state = JiraState(site=f"{sandbox.base_url}/jira")
    state.add_project(PROJECT, {BOBS_EMAIL: BOBS_ACCOUNT})
    state.add_project("OTHER")
    sandbox.mount("/jira", state.route)
    return state


@pytest.fixture
def jira_bot(sandbox: Sandbox, jira: JiraState, database_url: str) -> Iterator[BotProcess]:
    env = {
        "JIRA_URL": jira.site,
        "JIRA_EMAIL": EMAIL,
        "JIRA_API_TOKEN": TOKEN,
        "JIRA_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
        yield bot


@pytest.fixture
def people(jira_bot: BotProcess, sandbox: Sandbox) -> Iterator[Driver]:
    with Driver(jira_bot.url, jira_bot.signing_secret, sandbox) as driver:
        yield driver


@pytest.fixture
def db(jira_bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(jira_bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def deliver(bot: BotProcess, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{bot.url}/jira/webhook", content=body, headers=headers, timeout=10)


def in_project(people: Driver, sandbox: Sandbox) -> None:
    people.slash_command(ALICE, CHANNEL, "tracker jira ops")
    told(sandbox, ALICE, "now become issues in Jira project `OPS`")
    people.slash_command(BOB, CHANNEL, f"me jira {BOBS_EMAIL}")
    told(sandbox, BOB, f"assigned to the account of `{BOBS_EMAIL}`")


def test_publish_files_one_jira_issue_per_item_with_adf_due_date_priority_and_assignee(
    sandbox: Sandbox, jira: JiraState, people: Driver, db: sessionmaker[Session]
) -> None:
    seeded(sandbox, db)
    in_project(people, sandbox)
    people.slash_command(ALICE, CHANNEL, "tracker")
    told(sandbox, ALICE, "become issues in Jira project `OPS`.")

    people.slash_command(ALICE, CHANNEL, "publish")
    said = told(sandbox, ALICE, "Published")

    first, second = jira.created(PROJECT)
    assert first["fields"]["summary"] == (
        "AI-001: add a connection-pool saturation alert to the checkout-api dashboard"
    )
    assert first["fields"]["labels"] == ["post-mortem", "monitoring"]
    assert second["fields"]["labels"] == ["post-mortem", "testing"]
    assert (
        first["fields"]["duedate"] == "2026-12-04" and second["fields"]["duedate"] == "2026-12-11"
    )
    assert first["fields"]["priority"]["name"] == "High"
    assert second["fields"]["priority"]["name"] == "Medium"
    assert first["fields"]["assignee"]["accountId"] == BOBS_ACCOUNT
    assert second["fields"]["assignee"] is None, "Alice named no Jira account"
    description = first["fields"]["description"]
    assert description["type"] == "doc" and description["version"] == 1
    text = plain_text(description)
    one, two = items(db)
    assert f"<!-- postmortem-bot item:{one.id} -->" in text
    assert "Owner: Bob Diaz" in text and "Deadline: 2026-12-04" in text
    assert "Priority: High" in text and "Pool saturation metrics were never exported" in text
    lookups = jira.calls_to("GET", "/rest/api/3/user/search")
    assert lookups and all(c.status == 200 for c in lookups)

    assert (one.ticket_url, two.ticket_url) == (
        f"{jira.site}/browse/OPS-1",
        f"{jira.site}/browse/OPS-2",
    )
    assert "AI-001 → OPS-1" in said and "AI-002 → OPS-2" in said
    markdown = report_markdown(sandbox)
    assert f"[ticket](<{jira.site}/browse/OPS-1>)" in markdown
    assert "- [x] **Action items tracked in a ticket system**" in markdown

    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Updated")
    assert len(jira.created(PROJECT)) == 2, "publishing again files nothing new"


def test_create_ticket_files_the_clicked_item_in_jira(
    sandbox: Sandbox, jira: JiraState, people: Driver, db: sessionmaker[Session]
) -> None:
    seeded(sandbox, db)
    in_project(people, sandbox)
    first = items(db)[0]
    people.block_action(BOB, CHANNEL, ITEM_TICKET, str(first.id))
    said = told(sandbox, BOB, "AI-001 → OPS-1")
    assert f"{jira.site}/browse/OPS-1" in said
    [issue] = jira.created(PROJECT)
    assert issue["fields"]["assignee"]["accountId"] == BOBS_ACCOUNT
    assert issue["fields"]["duedate"] == "2026-12-04"
    people.block_action(BOB, CHANNEL, ITEM_TICKET, str(first.id))
    told(sandbox, BOB, "already has its ticket")
    assert len(jira.created(PROJECT)) == 1


def test_done_in_jira_marks_the_item_done_and_leaving_done_reopens_it(
    sandbox: Sandbox,
    jira: JiraState,
    people: Driver,
    db: sessionmaker[Session],
    jira_bot: BotProcess,
) -> None:
    thread = seeded(sandbox, db)
    in_project(people, sandbox)
    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Published")
    first = items(db)[0]

    forged_body, forged = jira.move("OPS-1", "Done", "done")
    forged = dict(forged, **{"X-Hub-Signature": "sha256=" + "0" * 64})
    assert deliver(jira_bot, forged_body, forged).status_code == 401
    unsigned = {k: v for k, v in forged.items() if k != "X-Hub-Signature"}
    assert deliver(jira_bot, forged_body, unsigned).status_code == 401
    assert items(db)[0].status == "open", "a forged webhook changes nothing"

    body, headers = jira.move("OPS-1", "Done", "done")
    answer = deliver(jira_bot, body, headers)
    assert answer.status_code == 200 and answer.json()["recorded"] is True
    sandbox.poll(lambda: items(db)[0].status == "done")
    assert items(db)[1].status == "open"
    note = sandbox.wait_for(lambda: lines(sandbox, thread, "AI-001 is done"))
    assert first.ticket_url in note[0]["text"]
    again = deliver(jira_bot, body, headers)  # a retry keeps X-Atlassian-Webhook-Identifier
    assert again.status_code == 200 and again.json()["recorded"] is False

    body, headers = jira.move("OPS-1", "In Progress", "indeterminate")
    assert deliver(jira_bot, body, headers).json()["recorded"] is True
    sandbox.poll(lambda: items(db)[0].status == "open")
    sandbox.wait_for(lambda: lines(sandbox, thread, "AI-001 is open again"))

    # The same issue reported from a project no workspace files in changes nothing.
    body, headers = jira.move("OPS-1", "Done", "done")
    elsewhere = body.replace(b'"key": "OPS", "self"', b'"key": "OTHER", "self"')
    assert elsewhere != body
    resigned = dict(headers, **{"X-Hub-Signature": signature(elsewhere, WEBHOOK_SECRET)})
    resigned["X-Atlassian-Webhook-Identifier"] += "-elsewhere"
    assert deliver(jira_bot, elsewhere, resigned).json()["recorded"] is True
    sandbox.poll(lambda: processed(db, resigned["X-Atlassian-Webhook-Identifier"]))
    assert items(db)[0].status == "open"

    # Jira's rendering of the description lost the marker: the issue's link still names it.
    event = json.loads(body)
    event["issue"]["fields"]["description"] = "Action: add a connection-pool alert"
    bare = json.dumps(event).encode()
    resigned = dict(headers, **{"X-Hub-Signature": signature(bare, WEBHOOK_SECRET)})
    assert deliver(jira_bot, bare, resigned).json()["recorded"] is True
    sandbox.poll(lambda: items(db)[0].status == "done")
    assert len(lines(sandbox, thread, "AI-001 is done")) == 2, "closed twice, said twice"


def test_jira_down_during_publish_is_explained_then_each_item_gets_exactly_one_issue(
    sandbox: Sandbox, jira: JiraState, people: Driver, db: sessionmaker[Session]
) -> None:
    seeded(sandbox, db)
    in_project(people, sandbox)
    jira.refuse(503)
    people.slash_command(ALICE, CHANNEL, "publish")
    said = told(sandbox, ALICE, "Published")
    assert "Jira refused: Jira answered 503" in said and "2 items still without a ticket" in said
    assert jira.created(PROJECT) == [] and [i.ticket_url for i in items(db)] == [None, None]

    jira.lose_answers(1)  # Jira files the first issue, but its answer never arrives
    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "502")
    assert len(jira.created(PROJECT)) == 1

    people.slash_command(ALICE, CHANNEL, "publish")
    said = told(sandbox, ALICE, "AI-002 → OPS-2")
    assert "AI-001 → OPS-1" in said, "the issue whose answer was lost is adopted"
    assert [i["key"] for i in jira.created(PROJECT)] == ["OPS-1", "OPS-2"]
    assert [i.ticket_url for i in items(db)] == [
        f"{jira.site}/browse/OPS-1",
        f"{jira.site}/browse/OPS-2",
    ]


def test_the_jira_webhook_edge_refuses_before_reading_and_without_its_secret(
    jira_bot: BotProcess, bot: BotProcess
) -> None:
    url = f"{jira_bot.url}/jira/webhook"
    huge = {"Content-Type": "application/json", "Content-Length": str(20 * MIB)}
    assert raw_post(url, huge, repeated(20 * MIB)).status == 413, "refused by its length"
    broken = b"not json"
    signed = {
        "Content-Type": "application/json",
        "X-Hub-Signature": signature(broken, WEBHOOK_SECRET),
    }
    assert httpx.post(url, content=broken, headers=signed).status_code == 400
    other = b'{"webhookEvent": "comment_created", "comment": {"id": "1"}}'
    signed["X-Hub-Signature"] = signature(other, WEBHOOK_SECRET)
    assert httpx.post(url, content=other, headers=signed).json() == {"ok": True, "ignored": True}

    # A bot without JIRA_WEBHOOK_SECRET takes no Jira webhook at all.
    answer = httpx.post(f"{bot.url}/jira/webhook", content=other, headers=signed)
    assert answer.status_code == 401
    assert answer.json()["error"] == "JIRA_WEBHOOK_SECRET is not configured"


def test_an_issue_moved_to_done_with_no_webhook_is_done_after_a_sync(
    sandbox: Sandbox,
    jira: JiraState,
    people: Driver,
    db: sessionmaker[Session],
    jira_bot: BotProcess,
) -> None:
    thread = seeded(sandbox, db)
    in_project(people, sandbox)
    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Published")
    jira.move("OPS-1", "Done", "done")  # its webhook never reaches the bot
    env = {"JIRA_URL": jira.site, "JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": TOKEN}

    out = remind(sandbox, jira_bot.database_url, datetime.now(UTC), env=env)
    assert "tracker_sync: 1 changed, 1 same" in out
    sandbox.poll(lambda: items(db)[0].status == "done")
    sandbox.wait_for(lambda: lines(sandbox, thread, "AI-001 is done"))
    asked = jira.calls_to("GET", "/rest/api/3/issue/OPS-1")
    assert asked and items(db)[1].status == "open"
