"""One workspace probing another's objects through the real `serve`, in OAuth mode.

Two workspaces install the bot through /slack/install: the sandbox's own, T0SANDBOX
(Alice and Bob, #inc-checkout-500s), whose post-mortems are the targets, and Acme
(Dana), the prober. Each probe is a request Slack would sign for Acme, carrying
T0SANDBOX's channel ids, post-mortem and item ids, or PagerDuty incidents: each is
refused with words for Dana, and nothing of T0SANDBOX's is shown to Acme or changed.

PagerDuty: the Aldaviva webhook fixtures (incident Q2CKYRLH85UNN4 on service PNE3JZM,
whose note holds what a responder typed) are signed with the bot's webhook secret; the
sandbox's REST API serves the same incident on the same service, with a log entry
only T0SANDBOX may read. The admin maps services with the real CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot, without_settings
from bot.sandbox.driver import Driver
from bot.sandbox.slack_state import SlackWorkspace
from bot.slack import action_item_blocks as item_form
from bot.slack import followup_blocks
from bot.slack.report_blocks import PUBLISH
from storage.db import make_engine, make_sessionmaker
from storage.models import (
    ActionItem,
    Answer,
    InboxItem,
    PagerDutyEvent,
    Postmortem,
    ReportRecord,
    TimelineEvent,
)
from tests import published
from tests.scenario.conftest import INCIDENT_CHANNEL
from tests.scenario.report_seed import ALICE, seed_postmortem

HOME = "T0SANDBOX"
ACME, ACME_NAME, ACME_CHANNEL, DANA = "T0ACME", "Acme Corp", "C0ACMEINC", "U0DANA"
TOKEN_KEY = Fernet.generate_key().decode()
INCIDENT, SERVICE = "Q2CKYRLH85UNN4", "PNE3JZM"
SECRET_NOTE = "db password is hunter2"
TRIGGERED = "pagerduty_v3_incident.triggered.aldaviva.body.json"
NOTE = "pagerduty_v3_incident.annotated.aldaviva.body.json"  # "Resolution Note: I'm resolving it"
RESOLVED = "pagerduty_v3_incident.resolved.aldaviva.body.json"
IMPLANT = "add a login-rate alert to the auth dashboard"
LEAKS = ("Checkout 500s", "connection-pool", "pool-size", "hunter2", "Resolution Note")


@pytest.fixture
def bot(sandbox: Sandbox, database_url: str) -> Iterator[BotProcess]:
    """The bot in OAuth mode (no bot token), with the sandbox's PagerDuty API token."""
    env = {
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": sandbox.installs.client_id,
        "SLACK_CLIENT_SECRET": sandbox.installs.client_secret,
        "TOKEN_ENCRYPTION_KEY": TOKEN_KEY,
    }
    with running_bot(sandbox, database_url=database_url, extra_env=env) as process:
        yield process


@pytest.fixture
def acme(bot: BotProcess, sandbox: Sandbox) -> SlackWorkspace:
    """Both workspaces installed through the browser flow; Acme's workspace."""
    with httpx.Client(base_url=bot.url, follow_redirects=False, timeout=10.0) as browser:
        _install(browser, sandbox, HOME, "Sandbox")
        _install(browser, sandbox, ACME, ACME_NAME)
    workspace = sandbox.team(ACME)
    workspace.add_user(DANA, "dana", real_name="Dana Ito", tz="Asia/Tokyo")
    workspace.add_channel(ACME_CHANNEL, "inc-acme-login", members=(DANA,))
    workspace.add_channel("C0ACMETWO", "inc-acme-two", members=(DANA,))
    return workspace


def _install(browser: httpx.Client, sandbox: Sandbox, team: str, name: str) -> None:
    started = browser.get("/slack/install")
    query = parse_qs(urlsplit(started.headers["location"]).query)
    cookie = started.headers["set-cookie"].split(";")[0]
    code = sandbox.authorize_install(team, name, scopes=query["scope"][0])
    back = browser.get(
        "/slack/oauth_redirect",
        params={"code": code, "state": query["state"][0]},
        headers={"Cookie": cookie},
    )
    assert back.status_code == 200, back.text


@pytest.fixture
def db(bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _admin(bot: BotProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """`postmortem-bot pagerduty ...` as the bot's admin runs it, in OAuth mode."""
    env = without_settings(os.environ)
    env.update(DATABASE_URL=bot.database_url, SLACK_CLIENT_ID="1.2")
    return subprocess.run(
        [sys.executable, "-m", "bot", "pagerduty", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _answers(workspace: SlackWorkspace, at_least: int) -> list[str]:
    texts = [r["body"].get("text") or "" for r in workspace.responses]
    return texts if len(texts) >= at_least else []


def _wait_answers(sandbox: Sandbox, workspace: SlackWorkspace, count: int) -> list[str]:
    return sandbox.wait_for(lambda: _answers(workspace, count), timeout=20.0)


def _everything_acme_saw(acme: SlackWorkspace) -> str:
    """Every text the bot sent into Acme: answers, messages in its channels and DMs."""
    texts = [str(r["body"]) for r in acme.responses]
    for channel in list(acme.channels):
        texts += [str(m) for m in acme.messages(channel)]
    return "\n".join(texts)


def _count(db: sessionmaker[Session], model: type, *where: Any) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _home_postmortem(sandbox: Sandbox, db: sessionmaker[Session]) -> int:
    root = sandbox.slack.post_as_user(INCIDENT_CHANNEL, ALICE, "Post-mortem thread")
    return seed_postmortem(db, INCIDENT_CHANNEL, root["ts"])


def _snapshot(db: sessionmaker[Session], postmortem_id: int) -> dict[str, Any]:
    """What a probe must not change of T0SANDBOX's post-mortem."""
    with db() as session:
        postmortem = session.get(Postmortem, postmortem_id)
        assert postmortem is not None
        items = session.scalars(
            select(ActionItem).where(ActionItem.postmortem_id == postmortem_id)
        ).all()
        report = session.get(ReportRecord, postmortem_id)
        return {
            "postmortem": (postmortem.status, postmortem.published_at, postmortem.title),
            "items": sorted((i.number, i.status, i.deadline, i.snoozed_until) for i in items),
            "report": None if report is None else (report.share_token, report.channel_ts),
            "timeline": session.scalar(
                select(func.count()).where(TimelineEvent.postmortem_id == postmortem_id)
            ),
        }


def test_commands_naming_another_workspaces_channel_find_no_post_mortem_there(
    sandbox: Sandbox,
    acme: SlackWorkspace,
    driver: Driver,
    db: sessionmaker[Session],
    bot: BotProcess,
) -> None:
    home = _home_postmortem(sandbox, db)
    before = _snapshot(db, home)
    home_calls = len(sandbox.slack.calls)
    probes = [
        "report",
        "publish",
        "share",
        "share revoke",
        "timeline",
        "event 10:00 an entry from elsewhere",
        f"link {INCIDENT}",
        "followup 2026-12-24",
        "interview",
        "actions all",
    ]

    for text in probes:  # Dana, in Acme, names T0SANDBOX's incident channel
        assert driver.slash_command(DANA, INCIDENT_CHANNEL, text, team=ACME).status_code == 200
    answers = _wait_answers(sandbox, acme, len(probes))

    assert len(answers) == len(probes), answers
    for text, answer in zip(probes, answers, strict=True):
        assert answer, f"`{text}` was answered with words"
    seen = _everything_acme_saw(acme)
    assert not [leak for leak in LEAKS if leak in seen], seen
    assert _snapshot(db, home) == before
    assert _count(db, Postmortem, Postmortem.team_id == ACME) == 0
    home_writes = [c.method for c in sandbox.slack.calls[home_calls:] if c.method != "auth.test"]
    assert home_writes == [], "nothing was asked of T0SANDBOX's Slack for Acme's commands"
    assert "Traceback" not in bot.log()


def test_start_in_another_workspaces_channel_opens_nothing_there(
    sandbox: Sandbox, acme: SlackWorkspace, driver: Driver, db: sessionmaker[Session]
) -> None:
    home = _home_postmortem(sandbox, db)
    before = _snapshot(db, home)
    messages = len(sandbox.slack.messages(INCIDENT_CHANNEL))

    driver.slash_command(DANA, INCIDENT_CHANNEL, "start Hijacked", team=ACME)
    [answer] = _wait_answers(sandbox, acme, 1)

    assert "invite" in answer.lower() or "channel" in answer.lower(), answer
    assert len(sandbox.slack.messages(INCIDENT_CHANNEL)) == messages
    assert _snapshot(db, home) == before
    assert _count(db, Postmortem, Postmortem.team_id == ACME) == 0


def _row(db: sessionmaker[Session], ts: str) -> tuple[str, bool, bool] | None:
    with db() as session:
        query = select(TimelineEvent).where(TimelineEvent.source_key == f"{INCIDENT_CHANNEL}:{ts}")
        row = session.scalars(query).one_or_none()
        return None if row is None else (row.text, row.is_key, row.deleted_at is not None)


def _drained(db: sessionmaker[Session]) -> bool:
    busy = InboxItem.status.in_(("pending", "claimed"))
    return _count(db, InboxItem, busy) == 0


def test_events_from_another_workspace_naming_our_channel_change_nothing(
    sandbox: Sandbox,
    acme: SlackWorkspace,
    driver: Driver,
    db: sessionmaker[Session],
    bot: BotProcess,
) -> None:
    home = _home_postmortem(sandbox, db)
    with db() as session:
        postmortem = session.get(Postmortem, home)
        assert postmortem is not None and postmortem.thread_ts
        thread = postmortem.thread_ts
    said, _ = driver.user_posts(INCIDENT_CHANNEL, "U0BOB", "rolled back the pool change")
    line = sandbox.wait_for(lambda: _row(db, said["ts"]))
    before = _snapshot(db, home), _count(db, Answer, Answer.postmortem_id == home)
    at = {"channel": INCIDENT_CHANNEL, "channel_type": "channel"}
    planted = {"type": "message", "user": DANA, **at}
    probes = [
        planted | {"text": "planted line", "ts": "1764100000.000100"},
        planted | {"text": "planted answer", "ts": "1764100000.000200", "thread_ts": thread},
        {"type": "message", "subtype": "message_changed", "hidden": True, **at}
        | {"message": said | {"text": "edited from Acme"}, "previous_message": said}
        | {"ts": "1764100000.000300", "event_ts": "1764100000.000300"},
        {"type": "message", "subtype": "message_deleted", "hidden": True, **at}
        | {"deleted_ts": said["ts"], "previous_message": said, "ts": "1764100000.000400"},
        {"type": "reaction_added", "user": DANA, "reaction": "pushpin", "item_user": "U0BOB"}
        | {"item": {"type": "message", "channel": INCIDENT_CHANNEL, "ts": said["ts"]}}
        | {"event_ts": "1764100000.000500"},
    ]

    for event in probes:  # Acme's Slack delivers them, naming T0SANDBOX's channel
        assert driver.deliver_event(event, team=ACME).status_code == 200
    sandbox.wait_for(lambda: _drained(db), timeout=20.0)

    assert _row(db, said["ts"]) == line == ("rolled back the pool change", False, False)
    assert (_snapshot(db, home), _count(db, Answer, Answer.postmortem_id == home)) == before
    assert _count(db, TimelineEvent, TimelineEvent.text.like("planted%")) == 0
    driver.user_reacts(ALICE, INCIDENT_CHANNEL, said["ts"], "pushpin")  # the same, at home
    assert sandbox.wait_for(lambda: (row := _row(db, said["ts"])) and row[1])
    assert "Traceback" not in bot.log()


def _deliver(driver: Driver, name: str) -> None:
    response = driver.pagerduty_webhook(published.read_bytes(name))
    assert response.status_code == 200, response.text


def _pagerduty_incident(sandbox: Sandbox) -> None:
    sandbox.pagerduty.add_incident(
        INCIDENT,
        title="Test",
        service_id=SERVICE,
        service_name="Webhook Tester",
        created_at="2025-04-07T03:47:13Z",
    )
    sandbox.pagerduty.add_log_entry(
        INCIDENT,
        {"type": "annotate_log_entry", "created_at": "2025-04-07T03:48:30Z"}
        | {"summary": f"Note added: {SECRET_NOTE}"},
    )


def _pagerduty_lines(db: sessionmaker[Session], team: str) -> list[str]:
    with db() as session:
        query = select(TimelineEvent.text).where(
            TimelineEvent.team_id == team, TimelineEvent.source == "pagerduty"
        )
        return sorted(session.scalars(query))


def _log_reads(sandbox: Sandbox) -> int:
    return sandbox.pagerduty.call_count("/incidents/{id}/log_entries")


def _started(sandbox: Sandbox, workspace: SlackWorkspace, channel: str) -> None:
    sandbox.wait_for(lambda: [m for m in workspace.messages(channel) if m.get("bot_id")])


def test_another_workspaces_pagerduty_incident_is_refused_and_its_notes_never_reach_us(
    sandbox: Sandbox,
    acme: SlackWorkspace,
    driver: Driver,
    db: sessionmaker[Session],
    bot: BotProcess,
) -> None:
    _pagerduty_incident(sandbox)
    mapped = _admin(bot, "map", SERVICE, HOME)
    assert mapped.returncode == 0, mapped.stderr
    for name in (TRIGGERED, NOTE):
        _deliver(driver, name)
    driver.slash_command(DANA, ACME_CHANNEL, "start Login outage", team=ACME)
    _started(sandbox, acme, ACME_CHANNEL)

    driver.slash_command(DANA, ACME_CHANNEL, f"link {INCIDENT}", team=ACME)
    driver.slash_command(
        DANA, "C0ACMETWO", f"start https://x.pagerduty.com/incidents/{INCIDENT} Hm", team=ACME
    )
    refusals = _wait_answers(sandbox, acme, 2)

    assert all("not one this workspace can see" in text for text in refusals), refusals
    assert {r["body"].get("response_type") for r in acme.responses} == {"ephemeral"}
    assert _pagerduty_lines(db, ACME) == []
    assert _log_reads(sandbox) == 0, "Acme's requests read no incident log"
    assert not acme.messages("C0ACMETWO"), "the refused start opened nothing"
    assert _count(db, Postmortem, Postmortem.team_id == ACME) == 1

    driver.slash_command(ALICE, INCIDENT_CHANNEL, f"start {INCIDENT} Checkout 500s")
    home_lines = sandbox.wait_for(
        lambda: (lines := _pagerduty_lines(db, HOME)) and len(lines) >= 3 and lines
    )
    _deliver(driver, RESOLVED)  # live, once both post-mortems exist
    sandbox.wait_for(lambda: len(_pagerduty_lines(db, HOME)) > len(home_lines))

    assert any(SECRET_NOTE in line for line in _pagerduty_lines(db, HOME))
    assert any("Resolution Note" in line for line in _pagerduty_lines(db, HOME))
    assert _log_reads(sandbox) == 1, "the REST log was read for T0SANDBOX alone"
    assert _pagerduty_lines(db, ACME) == []
    seen = _everything_acme_saw(acme)
    assert SECRET_NOTE not in seen and "Resolution Note" not in seen
    assert "Traceback" not in bot.log()


def test_an_unmapped_service_is_kept_refused_with_the_command_to_run_then_linked(
    sandbox: Sandbox,
    acme: SlackWorkspace,
    driver: Driver,
    db: sessionmaker[Session],
    bot: BotProcess,
) -> None:
    _pagerduty_incident(sandbox)
    _deliver(driver, TRIGGERED)  # a service no admin mapped yet: kept all the same
    driver.slash_command(DANA, ACME_CHANNEL, "start Login outage", team=ACME)
    _started(sandbox, acme, ACME_CHANNEL)

    driver.slash_command(DANA, ACME_CHANNEL, f"link {INCIDENT}", team=ACME)
    [refusal] = _wait_answers(sandbox, acme, 1)

    assert f"`postmortem-bot pagerduty map {SERVICE} {ACME}`" in refusal
    assert "Webhook Tester" in refusal
    assert acme.responses[-1]["body"].get("response_type") == "ephemeral"
    assert _count(db, PagerDutyEvent) == 1 and _pagerduty_lines(db, ACME) == []
    assert _log_reads(sandbox) == 0
    listed = _admin(bot, "list")
    assert SERVICE in listed.stdout.split("services PagerDuty named")[1], listed.stdout
    refused = _admin(bot, "map", SERVICE, "T0NOTINSTALLED")
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1

    assert _admin(bot, "map", SERVICE, ACME).returncode == 0
    driver.slash_command(DANA, ACME_CHANNEL, f"link {INCIDENT}", team=ACME)

    lines = sandbox.wait_for(lambda: (found := _pagerduty_lines(db, ACME)) and len(found) >= 2)
    assert lines
    assert any(SECRET_NOTE in line for line in _pagerduty_lines(db, ACME))
    assert _log_reads(sandbox) == 1


def test_remapping_a_service_stops_its_webhooks_reaching_the_old_workspace(
    sandbox: Sandbox,
    acme: SlackWorkspace,
    driver: Driver,
    db: sessionmaker[Session],
    bot: BotProcess,
) -> None:
    _pagerduty_incident(sandbox)
    assert _admin(bot, "map", SERVICE, ACME).returncode == 0
    driver.slash_command(DANA, ACME_CHANNEL, f"start {INCIDENT} Login outage", team=ACME)
    sandbox.wait_for(lambda: _pagerduty_lines(db, ACME))
    acme_lines = _pagerduty_lines(db, ACME)

    assert _admin(bot, "map", SERVICE, HOME).returncode == 0  # the admin's mistake, fixed
    for name in (TRIGGERED, NOTE, RESOLVED):
        _deliver(driver, name)
    driver.slash_command(ALICE, INCIDENT_CHANNEL, f"start {INCIDENT} Checkout 500s")
    sandbox.wait_for(lambda: len(_pagerduty_lines(db, HOME)) >= 4)

    assert _pagerduty_lines(db, ACME) == acme_lines, "no webhook of T0SANDBOX's reached Acme"
    assert not any("Resolution Note" in line for line in _pagerduty_lines(db, ACME))


def test_buttons_and_modals_carrying_another_workspaces_ids_change_nothing(
    sandbox: Sandbox,
    acme: SlackWorkspace,
    driver: Driver,
    db: sessionmaker[Session],
    bot: BotProcess,
) -> None:
    home = _home_postmortem(sandbox, db)
    with db() as session:
        item_ids = session.scalars(
            select(ActionItem.id).where(ActionItem.postmortem_id == home)
        ).all()
    before = _snapshot(db, home)
    home_calls = len(sandbox.slack.calls)
    clicks = [(action, followup_blocks.item_value(item_ids[0], "all")) for action in (
        followup_blocks.DONE,
        followup_blocks.SNOOZE,
        followup_blocks.DEADLINE,
    )] + [(PUBLISH, str(home))]  # fmt: skip

    for action_id, value in clicks:  # from Acme's own channel, and from T0SANDBOX's id
        for channel in (ACME_CHANNEL, INCIDENT_CHANNEL):
            driver.block_action(DANA, channel, action_id, value, team=ACME)
    answers = _wait_answers(sandbox, acme, 2 * len(clicks))
    modal = item_form.modal(home, [])
    filled = {
        item_form.ACTION: {item_form.VALUE: {"type": "plain_text_input", "value": IMPLANT}},
        item_form.OWNER: {item_form.VALUE: {"type": "users_select", "selected_user": DANA}},
        item_form.DEADLINE: {
            item_form.VALUE: {"type": "datepicker", "selected_date": "2030-01-01"}
        },
        item_form.PRIORITY: {
            item_form.VALUE: {"type": "static_select", "selected_option": {"value": "High"}}
        },
    }
    submitted = driver.view_submission(DANA, modal, filled, team=ACME)
    told = sandbox.wait_for(lambda: acme.messages(acme.dm_channel(DANA)), timeout=20.0)

    assert submitted.status_code == 200
    assert all(answers), answers
    assert told and told[-1].get("text"), "the modal's refusal reached Dana privately"
    assert _snapshot(db, home) == before
    assert _count(db, ActionItem, ActionItem.action == IMPLANT) == 0
    seen = _everything_acme_saw(acme)
    assert not [leak for leak in LEAKS if leak in seen], seen
    home_writes = [
        c.method for c in sandbox.slack.calls[home_calls:] if c.method.startswith("chat.")
    ]
    assert home_writes == [], "nothing was posted in T0SANDBOX for Acme's clicks"
    assert "Traceback" not in bot.log()


def test_a_shared_page_is_read_only_by_its_link_and_another_workspace_cannot_revoke_it(
    sandbox: Sandbox,
    acme: SlackWorkspace,
    driver: Driver,
    db: sessionmaker[Session],
    bot: BotProcess,
) -> None:
    _home_postmortem(sandbox, db)
    driver.slash_command(ALICE, INCIDENT_CHANNEL, "share")
    link = sandbox.wait_for(lambda: _share_link(sandbox.slack))
    page = bot.url + urlsplit(link).path

    driver.slash_command(DANA, INCIDENT_CHANNEL, "share revoke", team=ACME)
    driver.slash_command(DANA, ACME_CHANNEL, "share revoke", team=ACME)
    driver.slash_command(DANA, ACME_CHANNEL, "share", team=ACME)
    _wait_answers(sandbox, acme, 3)

    assert httpx.get(page).status_code == 200, "T0SANDBOX's link still serves its page"
    assert _share_link(acme) is None, "Acme got no link of its own or of T0SANDBOX's"
    assert httpx.get(page.rstrip("/") + "x").status_code == 404
    assert httpx.get(f"{bot.url}/postmortems/{'0' * 43}").status_code == 404


def _share_link(workspace: SlackWorkspace) -> str | None:
    for response in workspace.responses:
        text = response["body"].get("text") or ""
        for word in text.replace("<", " ").replace(">", " ").replace("|", " ").split():
            if "/postmortems/" in word:
                return word
    return None
