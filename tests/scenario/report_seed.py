"""A finished post-mortem written straight into the bot's database, for report scenarios
that are about publishing and sharing, not about playing the interview.

Its texts carry what people type that a report must not act on: a broadcast, a
script tag, table pipes and a leading `#`, as Slack delivers them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from storage.models import (
    ActionItem,
    Answer,
    Factor,
    LanguageFinding,
    Postmortem,
    TimelineEvent,
)
from storage.repositories import workspaces

TEAM = "T0SANDBOX"
ALICE, BOB = "U0ALICE", "U0BOB"
START = datetime(2026, 11, 24, 13, 50, tzinfo=UTC)
NASTY_SUMMARY = (
    "# Checkout | returned 500s &lt;script&gt;alert(1)&lt;/script&gt; <!channel> "
    "for 40 minutes after a config deploy"
)
TIMELINE = (
    (0, "slack", "checkout 500s climbing, see <https://grafana.example/d/1|the dashboard>", ALICE, True, None),
    (4, "pagerduty", "Triggered: checkout-api 5xx rate above 5%", None, False, "trigger"),
    (6, "pagerduty", "Acknowledged by Bob Diaz", "Bob Diaz", False, "acknowledged"),
    (9, "slack", "<@U0BOB> found the pool size change in the last deploy", ALICE, True, None),
    (12, "slack", "rolling back the config", BOB, True, None),
    (20, "manual", "mitigated: error rate back under 0.1%", BOB, True, "mitigated"),
    (40, "pagerduty", "Resolved", "Bob Diaz", False, "resolved"),
)  # fmt: skip
ANSWERS = (
    ("summary", None, None, NASTY_SUMMARY, ALICE),
    ("impact", None, None, "About 12% of checkouts failed, roughly 3,000 orders", BOB),
    ("detection", None, None, "The PagerDuty alert on the 5xx rate, 4 minutes in", ALICE),
    ("trigger", 0, 0, "A config change set the checkout connection pool to 5", BOB),
    ("why", 1, 1, "The deploy pipeline does not validate pool sizes", ALICE),
    ("why", 1, 2, "Config values have no schema", BOB),
    ("why", 2, 1, "No alert fired when the pool was exhausted", ALICE),
    ("why", 2, 2, "Pool saturation metrics were never exported", BOB),
    ("went_well", None, None, "Rolling back took 4 minutes once we knew", ALICE),
    ("lessons", None, None, "Validate config values in the pipeline, not by hand", BOB),
)


def seed_postmortem(
    sessions: sessionmaker[Session], channel_id: str, thread_ts: str, *, lead: str = ALICE
) -> int:
    """The post-mortem of `channel_id`, interviewed and with two action items; its id."""
    with sessions.begin() as session:
        workspaces.ensure(session, TEAM)
        postmortem = Postmortem(
            team_id=TEAM,
            channel_id=channel_id,
            title="Checkout 500s",
            severity="P1",
            lead_user_id=lead,
            created_by=lead,
            thread_ts=thread_ts,
            created_at=START + timedelta(minutes=45),
        )
        session.add(postmortem)
        session.flush()
        _timeline(session, postmortem.id)
        answers = _answers(session, postmortem.id)
        factors = _factors(session, postmortem.id)
        _items(session, postmortem.id, factors)
        session.add(
            LanguageFinding(
                team_id=TEAM,
                postmortem_id=postmortem.id,
                answer_id=answers[5].id,
                kind="blame",
                phrase="Alice forgot to",
                status="resolved",
            )
        )
        return postmortem.id


def _timeline(session: Session, postmortem_id: int) -> None:
    for n, (minute, source, text, actor, key, kind) in enumerate(TIMELINE):
        session.add(
            TimelineEvent(
                team_id=TEAM,
                postmortem_id=postmortem_id,
                occurred_at=START + timedelta(minutes=minute),
                source=source,
                source_key=f"seed:{n}",
                text=text,
                actor=actor,
                is_key=key,
                kind=kind,
            )
        )


def _answers(session: Session, postmortem_id: int) -> list[Answer]:
    rows = [
        Answer(
            team_id=TEAM,
            postmortem_id=postmortem_id,
            question=question,
            chain=chain,
            depth=depth,
            text=text,
            author_id=author,
            message_ts=f"1764000000.{n:06d}",
        )
        for n, (question, chain, depth, text, author) in enumerate(ANSWERS)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _factors(session: Session, postmortem_id: int) -> dict[int, Factor]:
    rows = {
        0: Factor(chain=0, layer="immediate", kind="change management", text=ANSWERS[3][3]),
        1: Factor(chain=1, layer="contributing", kind="testing", text=ANSWERS[5][3]),
        2: Factor(chain=2, layer="systemic", kind="monitoring", text=ANSWERS[7][3]),
    }
    for row in rows.values():
        row.team_id, row.postmortem_id = TEAM, postmortem_id
    session.add_all(rows.values())
    session.flush()
    return rows


def _items(session: Session, postmortem_id: int, factors: dict[int, Factor]) -> None:
    session.add_all(
        [
            ActionItem(
                team_id=TEAM,
                postmortem_id=postmortem_id,
                number=1,
                action="add a connection-pool saturation alert to the checkout-api dashboard",
                owner_id=BOB,
                deadline=date(2026, 12, 4),
                priority="High",
                factor_id=factors[2].id,
            ),
            ActionItem(
                team_id=TEAM,
                postmortem_id=postmortem_id,
                number=2,
                action="add a pool-size range check | to deploy.sh",
                owner_id=ALICE,
                deadline=date(2026, 12, 11),
                priority="Medium",
                factor_id=factors[1].id,
            ),
        ]
    )
