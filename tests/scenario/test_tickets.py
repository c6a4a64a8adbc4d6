"""Action items as GitHub issues, through the real `serve` and the GitHub stand-in.

Alice publishes a seeded post-mortem with two items: each becomes one issue labelled
`post-mortem` and its factor's kind, with the hidden item marker, and the report links
them (the checklist's "tracked" point holds). Closing an issue on GitHub marks its item
done with a line in the thread, reopening opens it again; a forged or replayed webhook
changes nothing. GitHub down or refusing (503, a lost answer, 401, 404, 422, the rate
limit) is explained and, once it is back, each item still gets exactly one issue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.github.webhook import signature
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.sandbox.github_api import TOKEN, WEBHOOK_SECRET, GitHubState
from bot.slack.followup_blocks import TICKET
from bot.slack.interview_blocks import ITEM_TICKET
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, InboxItem
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE, BOB, seed_postmortem
from tests.security.wire import MIB, raw_post, repeated

REPO = "acme/checkout"


@pytest.fixture
def github(sandbox: Sandbox) -> GitHubState:
    state = GitHubState()
    state.add_repository(REPO)
    sandbox.mount("/github", state.route)
    return state


def github_env(sandbox: Sandbox) -> dict[str, str]:
    """The settings that point the bot at the GitHub stand-in."""
    return {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": f"{sandbox.base_url}/github",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


@pytest.fixture
def tickets_bot(sandbox: Sandbox, github: GitHubState, database_url: str) -> Iterator[BotProcess]:
    with running_bot(sandbox, database_url=database_url, extra_env=github_env(sandbox)) as bot:
        yield bot


@pytest.fixture
def people(tickets_bot: BotProcess, sandbox: Sandbox) -> Iterator[Driver]:
    with Driver(tickets_bot.url, tickets_bot.signing_secret, sandbox) as driver:
        yield driver


@pytest.fixture
def db(tickets_bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(tickets_bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def seeded(sandbox: Sandbox, db: sessionmaker[Session]) -> str:
    root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
    seed_postmortem(db, CHANNEL, root["ts"])
    return str(root["ts"])


def items(db: sessionmaker[Session]) -> list[ActionItem]:
    with db() as session:
        return list(session.scalars(select(ActionItem).order_by(ActionItem.number)))


def told(sandbox: Sandbox, user: str, containing: str) -> str:
    def found() -> list[str]:
        texts = [
            str(r["body"].get("text") or "") + str(r["body"].get("blocks") or "")
            for r in sandbox.slack.responses
            if r["user_id"] == user
        ]
        return [t for t in texts if containing in t]

    return sandbox.wait_for(found)[-1]


def report_markdown(sandbox: Sandbox) -> str:
    files = sandbox.wait_for(
        lambda: [f for f in sandbox.slack.files if f["filename"].startswith("postmortem-")]
    )
    return files[-1]["content"].decode()


def processed(db: sessionmaker[Session], delivery: str) -> bool:
    """Whether the inbox worker is done with the webhook delivered as `delivery`."""
    with db() as session:
        query = select(InboxItem.status).where(InboxItem.delivery_key == delivery)
        return session.scalar(query) == "done"


def lines(sandbox: Sandbox, thread: str, containing: str) -> list[dict[str, Any]]:
    """The thread's messages that contain `containing`."""
    return [m for m in sandbox.slack.replies(CHANNEL, thread) if containing in m["text"]]


def deliver(bot: BotProcess, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{bot.url}/github/webhook", content=body, headers=headers, timeout=10)


def test_publish_files_one_issue_per_item_and_the_report_links_them(
    sandbox: Sandbox, github: GitHubState, people: Driver, db: sessionmaker[Session]
) -> None:
    seeded(sandbox, db)

    people.slash_command(ALICE, CHANNEL, "publish")
    said = told(sandbox, ALICE, "Published")

    issues = github.created(REPO)
    assert [i["title"] for i in issues] == [
        "AI-001: add a connection-pool saturation alert to the checkout-api dashboard",
        "AI-002: add a pool-size range check | to deploy.sh",
    ]
    first, second = items(db)
    assert [x["name"] for x in issues[0]["labels"]] == ["post-mortem", "monitoring"]
    assert [x["name"] for x in issues[1]["labels"]] == ["post-mortem", "testing"]
    body = issues[0]["body"]
    assert f"<!-- postmortem-bot item:{first.id} -->" in body
    assert "- Owner: Bob Diaz" in body and "- Deadline: 2026-12-04" in body
    assert "- Priority: High" in body and "Pool saturation metrics were never exported" in body
    assert (first.ticket_url, second.ticket_url) == (
        f"https://github.com/{REPO}/issues/1",
        f"https://github.com/{REPO}/issues/2",
    )
    assert "AI-001 → #1" in said and "AI-002 → #2" in said

    markdown = report_markdown(sandbox)
    assert f"open · [ticket](<https://github.com/{REPO}/issues/1>)" in markdown
    assert (
        "- [x] **Action items tracked in a ticket system** — both action items link a ticket"
        in markdown
    )

    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Updated")
    assert len(github.created(REPO)) == 2, "publishing again files nothing new"


def test_closing_and_reopening_the_issue_moves_the_item_and_says_so_in_the_thread(
    sandbox: Sandbox,
    github: GitHubState,
    people: Driver,
    db: sessionmaker[Session],
    tickets_bot: BotProcess,
) -> None:
    thread = seeded(sandbox, db)
    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Published")
    first = items(db)[0]

    forged_body, forged = github.set_state(REPO, 1, "closed")
    forged = dict(forged, **{"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert deliver(tickets_bot, forged_body, forged).status_code == 401
    unsigned = {k: v for k, v in forged.items() if k != "X-Hub-Signature-256"}
    assert deliver(tickets_bot, forged_body, unsigned).status_code == 401
    assert items(db)[0].status == "open", "a forged webhook changes nothing"

    body, headers = github.set_state(REPO, 1, "closed")
    answer = deliver(tickets_bot, body, headers)
    assert answer.status_code == 200 and answer.json()["recorded"] is True
    sandbox.poll(lambda: items(db)[0].status == "done")
    assert items(db)[1].status == "open"
    note = sandbox.wait_for(lambda: lines(sandbox, thread, "AI-001 is done"))
    assert first.ticket_url in note[0]["text"]

    again = deliver(tickets_bot, body, headers)  # GitHub's redelivery keeps the delivery id
    assert again.status_code == 200 and again.json()["recorded"] is False

    body, headers = github.set_state(REPO, 1, "open")
    assert deliver(tickets_bot, body, headers).json()["recorded"] is True
    sandbox.poll(lambda: items(db)[0].status == "open")
    sandbox.wait_for(lambda: lines(sandbox, thread, "AI-001 is open again"))
    assert len(lines(sandbox, thread, "AI-001 is done")) == 1, "the redelivery said nothing"


def test_github_down_during_publish_is_explained_then_each_item_gets_exactly_one_issue(
    sandbox: Sandbox, github: GitHubState, people: Driver, db: sessionmaker[Session]
) -> None:
    seeded(sandbox, db)
    github.refuse(503)
    people.slash_command(ALICE, CHANNEL, "publish")
    said = told(sandbox, ALICE, "Published")
    assert (
        "GitHub refused: GitHub answered 503" in said and "2 items still without a ticket" in said
    )
    assert github.created(REPO) == [] and [i.ticket_url for i in items(db)] == [None, None]
    assert "- [ ] **Action items tracked in a ticket system**" in report_markdown(sandbox)

    github.lose_answers(1)  # GitHub files the first issue, but its answer never arrives
    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "502")
    assert len(github.created(REPO)) == 1 and [i.ticket_url for i in items(db)] == [None, None]

    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "AI-002 → #2")
    issues = github.created(REPO)
    assert len(issues) == 2, (
        "the issue whose answer was lost is found by its marker, not filed again"
    )
    assert [i.ticket_url for i in items(db)] == [
        f"https://github.com/{REPO}/issues/1",
        f"https://github.com/{REPO}/issues/2",
    ]


def _ticket_button(sandbox: Sandbox, user: str) -> dict[str, Any]:
    def buttons() -> list[dict[str, Any]]:
        found = []
        for response in sandbox.slack.responses:
            if response["user_id"] != user:
                continue
            for block in response["body"].get("blocks") or []:
                found += [e for e in block.get("elements") or [] if e.get("action_id") == TICKET]
        return found

    return sandbox.wait_for(buttons)[-1]


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (401, {}, "GitHub refused GITHUB_TOKEN (Bad credentials)"),
        (404, {}, f"GitHub has no repository {REPO} that the token can see"),
        (422, {}, "GitHub would not take the issue"),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1893456000"},
            "rate limit is used up (API rate limit exceeded); try again after 00:00 UTC",
        ),
        (429, {"retry-after": "60"}, "rate limit is used up"),
    ],
)
def test_create_ticket_button_explains_a_refusal_and_the_item_keeps_its_state(
    sandbox: Sandbox,
    github: GitHubState,
    people: Driver,
    db: sessionmaker[Session],
    status: int,
    headers: dict[str, str],
    expected: str,
) -> None:
    seeded(sandbox, db)
    people.slash_command(BOB, CHANNEL, "actions")
    button = _ticket_button(sandbox, BOB)

    github.refuse(status, headers=headers)
    people.block_action(BOB, CHANNEL, TICKET, button["value"])
    said = told(sandbox, BOB, expected)
    assert "1 item still without a ticket" in said
    assert github.created(REPO) == [] and items(db)[0].ticket_url is None
    assert items(db)[0].status == "open"

    people.block_action(BOB, CHANNEL, TICKET, button["value"])
    told(sandbox, BOB, "AI-001 → #1")
    assert [i.ticket_url for i in items(db)] == [f"https://github.com/{REPO}/issues/1", None]
    assert re.search(
        r"Ticket: <https://github.com/acme/checkout/issues/1\|", told(sandbox, BOB, "Ticket: <")
    )


def test_a_channels_own_repository_and_an_owners_login_make_the_issue_theirs(
    sandbox: Sandbox,
    github: GitHubState,
    people: Driver,
    db: sessionmaker[Session],
    tickets_bot: BotProcess,
) -> None:
    github.add_repository("acme/payments", collaborators=("bob-diaz",))
    github.add_repository("someone/else")
    thread = seeded(sandbox, db)
    people.slash_command(ALICE, CHANNEL, "tracker github acme/payments")
    told(sandbox, ALICE, "now become issues in GitHub `acme/payments`")
    people.slash_command(BOB, CHANNEL, "me github @bob-diaz")
    told(sandbox, BOB, "assigned to GitHub `bob-diaz`")
    people.slash_command(BOB, CHANNEL, "me jira bob@example.com")
    told(sandbox, BOB, "Jira issues of your action items will be assigned to the account of")
    people.slash_command(ALICE, CHANNEL, "tracker")
    told(sandbox, ALICE, "become issues in GitHub `acme/payments`.")

    people.slash_command(ALICE, CHANNEL, "publish")
    told(sandbox, ALICE, "Published")
    assert github.created(REPO) == []
    bobs, alices = github.created("acme/payments")
    assert [a["login"] for a in bobs["assignees"]] == ["bob-diaz"]
    assert alices["assignees"] == [], "Alice named no login: her issue is unassigned"

    # The same issue's event from a repository no workspace files in changes nothing.
    body, headers = github.set_state("acme/payments", 1, "closed")
    elsewhere = body.replace(b'"full_name": "acme/payments"', b'"full_name": "someone/else"')
    forged_repo = dict(headers, **{"X-Hub-Signature-256": signature(elsewhere, WEBHOOK_SECRET)})
    forged_repo["X-GitHub-Delivery"] += "-elsewhere"
    assert deliver(tickets_bot, elsewhere, forged_repo).json()["recorded"] is True
    sandbox.poll(lambda: processed(db, forged_repo["X-GitHub-Delivery"]))
    assert items(db)[0].status == "open"
    assert deliver(tickets_bot, body, headers).json()["recorded"] is True
    sandbox.poll(lambda: items(db)[0].status == "done")
    assert len(lines(sandbox, thread, "is done")) == 1


def test_create_ticket_under_an_items_notice_in_the_thread_tells_the_clicker_alone(
    sandbox: Sandbox, github: GitHubState, people: Driver, db: sessionmaker[Session]
) -> None:
    seeded(sandbox, db)
    second = items(db)[1]
    people.block_action(ALICE, CHANNEL, ITEM_TICKET, str(second.id))
    said = told(sandbox, ALICE, "AI-002 → #1")
    assert f"https://github.com/{REPO}/issues/1" in said
    assert items(db)[1].ticket_url == f"https://github.com/{REPO}/issues/1"

    people.block_action(ALICE, CHANNEL, ITEM_TICKET, str(second.id))
    told(sandbox, ALICE, "already has its ticket")
    people.block_action(ALICE, CHANNEL, ITEM_TICKET, "١٢")
    told(sandbox, ALICE, "That button is out of date")
    assert len(github.created(REPO)) == 1


def test_the_webhook_edge_refuses_before_reading_and_answers_githubs_ping(
    tickets_bot: BotProcess, bot: BotProcess
) -> None:
    url = f"{tickets_bot.url}/github/webhook"
    huge = {"Content-Type": "application/json", "Content-Length": str(20 * MIB)}
    assert raw_post(url, huge, repeated(20 * MIB)).status == 413, "refused by its length"
    ping = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    signed = {"Content-Type": "application/json", "X-GitHub-Event": "ping"}
    signed["X-Hub-Signature-256"] = signature(ping, WEBHOOK_SECRET)
    assert httpx.post(url, content=ping, headers=signed).json() == {"ok": True, "pong": True}
    broken = b"not json"
    signed = dict(signed, **{"X-GitHub-Event": "issues"})
    signed["X-Hub-Signature-256"] = signature(broken, WEBHOOK_SECRET)
    assert httpx.post(url, content=broken, headers=signed).status_code == 400

    # A bot without GITHUB_WEBHOOK_SECRET takes no GitHub webhook at all.
    answer = httpx.post(f"{bot.url}/github/webhook", content=ping, headers=signed)
    assert answer.status_code == 401
    assert answer.json()["error"] == "GITHUB_WEBHOOK_SECRET is not configured"
