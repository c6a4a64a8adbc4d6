"""Exactly once, with several senders: claims in the database decide who sends each reminder.

Real `postmortem-bot remind` processes against the sandbox, on SQLite and on
PostgreSQL (the `database_url` fixture runs both). A DM is counted from the
sandbox's record of successful `chat.postMessage` calls into DM channels.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.followup_delivery import METADATA_TYPE
from bot.sandbox import Sandbox
from bot.services.followup_claims import STALE_AFTER
from storage.models import Followup
from storage.repositories import followup_claims
from tests.followup_seed import (
    TEAM,
    add_item,
    add_postmortem,
    dm_posts,
    remind,
    remind_command,
    remind_env,
)

MONDAY_10_UTC = datetime(2030, 3, 4, 10, tzinfo=UTC)
OWNERS = [f"U0OWNER{n:02d}" for n in range(12)]
LEADS = ["U0LEAD01", "U0LEAD02"]


def _people(sandbox: Sandbox) -> None:
    for user in [*OWNERS, *LEADS]:
        sandbox.slack.add_user(user, user.lower(), tz="UTC")


def _seed(sessions: sessionmaker[Session], sandbox: Sandbox, owners: list[str]) -> list[int]:
    """Two post-mortems, still unpublished 3 days on, with two items for every owner."""
    ids = []
    for n, lead in enumerate(LEADS):
        channel = f"C0INC{n}"
        sandbox.slack.add_channel(channel, f"inc-{n}", members=(lead,))
        opening = sandbox.slack.post_as_user(channel, lead, "Post-mortem")
        ended = MONDAY_10_UTC - timedelta(days=3)
        ids.append(
            add_postmortem(
                sessions,
                channel_id=channel,
                lead=lead,
                title=f"Incident {n}",
                thread_ts=opening["ts"],
                created_at=ended,
                incident_end=ended,
            )
        )
        for number, owner in enumerate(owners, start=1):
            add_item(sessions, ids[-1], number, owner, f"Add alert {number} to the {n} dashboard")
    return ids


def _thread_posts(sandbox: Sandbox) -> Counter[str]:
    return Counter(
        str(call.params.get("channel"))
        for call in sandbox.slack.calls
        if call.method == "chat.postMessage" and call.error is None and call.params.get("thread_ts")
    )


def test_three_senders_at_once_send_every_reminder_exactly_once(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    with Sandbox(rate_window_seconds=1.0) as sandbox:
        _people(sandbox)
        _seed(sessions, sandbox, OWNERS)
        env = remind_env(sandbox, database_url)
        senders = [
            subprocess.Popen(remind_command(MONDAY_10_UTC), env=env, stdout=subprocess.PIPE)
            for _ in range(3)
        ]
        assert [sender.wait(timeout=120) for sender in senders] == [0, 0, 0]

        sent = Counter(dm_posts(sandbox))
        expected = {sandbox.slack.dm_id(user) for user in [*OWNERS, *LEADS]}
        assert set(sent) == expected, "every owner got a digest and every lead a nudge"
        assert set(sent.values()) == {1}, f"doubled: {[c for c, n in sent.items() if n > 1]}"
        assert _thread_posts(sandbox) == Counter({"C0INC0": 1, "C0INC1": 1})
    with sessions() as session:
        rows = followup_claims.list_all(session)
    assert len(rows) == len(OWNERS) + 2 * len(LEADS)
    assert {row.status for row in rows} == {"sent"}
    assert {row.attempts for row in rows} == {1}


def test_a_sender_killed_mid_run_and_restarted_misses_nobody_and_doubles_nobody(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    # One conversations.open a second: the run is slow enough to be killed in the middle.
    with Sandbox(rate_window_seconds=1.0, rate_limits={"conversations.open": 1}) as sandbox:
        _people(sandbox)
        owners = OWNERS[:8]
        _seed(sessions, sandbox, owners)
        env = remind_env(sandbox, database_url)
        doomed = subprocess.Popen(remind_command(MONDAY_10_UTC), env=env, stdout=subprocess.PIPE)
        try:
            sandbox.wait_for(lambda: len(dm_posts(sandbox)) >= 3, timeout=60)
        finally:
            doomed.kill()
            doomed.wait()
        before = len(dm_posts(sandbox))
        assert before < len(owners) + len(LEADS), "killed before the end of its run"

        # The next tick: every reminder but the one held by the dead claim goes out.
        remind(sandbox, database_url, MONDAY_10_UTC + timedelta(minutes=1))
        # A tick after the claim went stale: it is taken over, and sent once.
        remind(sandbox, database_url, MONDAY_10_UTC + STALE_AFTER + timedelta(minutes=2))

        sent = Counter(dm_posts(sandbox))
        expected = {sandbox.slack.dm_id(user) for user in [*owners, *LEADS]}
        assert set(sent) == expected, "nobody missed"
        assert set(sent.values()) == {1}, "nobody doubled"
        assert _thread_posts(sandbox) == Counter({"C0INC0": 1, "C0INC1": 1})
    with sessions() as session:
        assert {row.status for row in followup_claims.list_all(session)} == {"sent"}


def _claim(
    sessions: sessionmaker[Session], owner: str, *, claimed_at: datetime, attempts: int = 1
) -> None:
    """A claim left by a process that died after taking it."""
    week = "2030-W10"
    with sessions.begin() as session:
        session.add(
            Followup(
                team_id=TEAM,
                kind="digest",
                subject=owner,
                period=week,
                status="claimed",
                attempts=attempts,
                created_at=claimed_at,
                claimed_at=claimed_at,
                claimed_by="dead-host:1",
            )
        )


def test_a_message_posted_before_a_crash_is_found_not_sent_again(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    """The dead process got Slack's answer but never confirmed: the taker finds its message."""
    owner = OWNERS[0]
    with Sandbox(rate_window_seconds=1.0) as sandbox:
        _people(sandbox)
        postmortem = add_postmortem(
            sessions,
            channel_id="C0INC9",
            lead=LEADS[0],
            title="Incident",
            created_at=MONDAY_10_UTC,
            published_at=MONDAY_10_UTC,
        )
        add_item(sessions, postmortem, 1, owner, "Add pool metrics to the api dashboard")
        _claim(sessions, owner, claimed_at=MONDAY_10_UTC - STALE_AFTER - timedelta(minutes=1))
        key = f"digest:{owner}:2030-W10"
        channel = sandbox.slack.dm_channel(owner)
        with sandbox.slack.lock:
            posted = sandbox.slack.store(
                sandbox.slack.channel(channel),
                {
                    "type": "message",
                    "text": "digest",
                    "bot_id": sandbox.slack.bot_id,
                    "metadata": {"event_type": METADATA_TYPE, "event_payload": {"reminder": key}},
                },
            )

        remind(sandbox, database_url, MONDAY_10_UTC)

        assert dm_posts(sandbox) == [], "recovered from Slack, not posted again"
    with sessions() as session:
        (row,) = followup_claims.list_all(session, "digest")
    assert (row.status, row.attempts, row.message_ts) == ("sent", 2, posted["ts"])


@pytest.mark.parametrize(
    ("age", "attempts", "sends"),
    [
        (timedelta(minutes=1), 1, False),  # held by a live process: left alone
        (STALE_AFTER + timedelta(minutes=1), 1, True),  # its process died: taken over once
        (STALE_AFTER + timedelta(minutes=1), 2, False),  # taken over before: given up
    ],
)
def test_a_claim_is_taken_over_only_when_stale_and_only_once(
    database_url: str,
    sessions: sessionmaker[Session],
    age: timedelta,
    attempts: int,
    sends: bool,
) -> None:
    owner = OWNERS[0]
    with Sandbox(rate_window_seconds=1.0) as sandbox:
        _people(sandbox)
        postmortem = add_postmortem(
            sessions,
            channel_id="C0INC9",
            lead=LEADS[0],
            title="Incident",
            created_at=MONDAY_10_UTC,
            published_at=MONDAY_10_UTC,
        )
        add_item(sessions, postmortem, 1, owner, "Add pool metrics to the api dashboard")
        _claim(sessions, owner, claimed_at=MONDAY_10_UTC - age, attempts=attempts)

        remind(sandbox, database_url, MONDAY_10_UTC)

        assert len(dm_posts(sandbox)) == (1 if sends else 0)


def test_a_claim_slack_throttled_is_handed_back_without_using_up_its_retry(
    sessions: sessionmaker[Session],
) -> None:
    key = followup_claims.Key(TEAM, "digest", OWNERS[0], "2030-W10")
    now = MONDAY_10_UTC
    window = {"stale_before": now - STALE_AFTER, "max_attempts": 2}
    with sessions.begin() as session:
        first = followup_claims.claim(session, key, now=now, worker="a", **window)
        assert followup_claims.claim(session, key, now=now, worker="b", **window) is None
        assert followup_claims.release(session, first.id, holder="a")

    with sessions.begin() as session:
        again = followup_claims.claim(session, key, now=now, worker="b", **window)
    assert again is not None and again.attempts == 1, "a 429 is not a crash: no history check"
