"""Who may do what, tried against the real `serve` as a colleague (or an attacker) would.

Alice leads the checkout post-mortem in #inc-checkout-500s, where Bob is a member too,
and a second one in a private channel Bob is not in; Carmen is an admin
(POSTMORTEM_ADMINS). Buttons and modals are sent with the values the bot wrote, and with
forged ones: another channel's post-mortem, another workspace's, someone else's user id in
the metadata, a picker value that would ping the channel, values that are no id at all.
Every refusal is told to the person who asked, and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, running_bot
from bot.sandbox.driver import Driver
from bot.slack import action_item_blocks, followup_blocks, interview_blocks, report_blocks
from storage.db import make_engine, make_sessionmaker
from storage.models import ActionItem, Postmortem, ReportRecord
from storage.repositories import workspaces
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE, BOB, seed_postmortem

CARMEN = "U0CARMEN"
PRIVATE = "G0PRIVATE"
ELSEWHERE = "T0ELSEWHERE"
LEAD_ONLY = "Only <@U0ALICE>, the post-mortem lead, or a post-mortem admin can"
OTHER_CHANNEL = "That belongs to another channel's post-mortem, so nothing was done"


@dataclass(frozen=True)
class World:
    sandbox: Sandbox
    bot: BotProcess
    driver: Driver
    db: sessionmaker[Session]
    checkout: int  # Alice leads it, in CHANNEL (Bob and Carmen are members)
    hidden: int  # Alice leads it too, in PRIVATE (only Alice and the bot)
    foreign: int  # another workspace's
    foreign_item: int  # Bob's, in another workspace's post-mortem

    def said_to(self, user: str, containing: str) -> str:
        """The newest ephemeral answer (response URL) or DM to `user` that contains the words."""

        def found() -> list[str]:
            texts = [
                r["body"].get("text") or ""
                for r in self.sandbox.slack.responses
                if r["user_id"] == user
            ]
            dm = self.sandbox.slack.dm_id(user)
            if dm in self.sandbox.slack.channels:
                texts += [m.get("text") or "" for m in self.sandbox.slack.messages(dm)]
            return [t for t in texts if containing in t]

        return self.sandbox.wait_for(found)[-1]

    def published(self, channel: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.sandbox.slack.messages(channel)
            if (m.get("blocks") or [{}])[0].get("block_id") == report_blocks.HEADER_BLOCK
        ]

    def record(self, postmortem_id: int) -> ReportRecord | None:
        with self.db() as session:
            query = select(ReportRecord).where(ReportRecord.postmortem_id == postmortem_id)
            return session.scalars(query).one_or_none()

    def items(self, postmortem_id: int) -> list[ActionItem]:
        with self.db() as session:
            query = select(ActionItem).where(ActionItem.postmortem_id == postmortem_id)
            return list(session.scalars(query.order_by(ActionItem.number)))

    def click(self, user: str, action_id: str, value: str, channel: str = CHANNEL) -> None:
        answered = self.driver.block_action(user, channel, action_id, value)
        assert answered.status_code == 200, answered.text

    def submit_item(self, user: str, metadata: str, *, owner: str = BOB) -> httpx.Response:
        view = action_item_blocks.modal(self.checkout, [])
        view["private_metadata"] = metadata
        due = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
        values = {
            "action": {"value": {"type": "plain_text_input", "value": ACTION}},
            "owner": {"value": {"type": "users_select", "selected_user": owner}},
            "deadline": {"value": {"type": "datepicker", "selected_date": due}},
            "priority": {"value": {"type": "static_select", "selected_option": {"value": "High"}}},
        }
        return self.driver.view_submission(user, view, values)


ACTION = "add a connection-pool saturation alert to the checkout-api dashboard"


@pytest.fixture
def world(sandbox: Sandbox, database_url: str) -> Iterator[World]:
    sandbox.slack.add_user(CARMEN, "carmen", real_name="Carmen Ruiz", tz="Europe/Madrid")
    sandbox.slack.channel(CHANNEL).members.append(CARMEN)
    sandbox.slack.add_channel(PRIVATE, "inc-payroll-leak", is_private=True, members=(ALICE,))
    env = {"POSTMORTEM_ADMINS": CARMEN}
    with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
        engine = make_engine(bot.database_url)
        db = make_sessionmaker(engine)
        checkout_root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
        hidden_root = sandbox.slack.post_as_user(PRIVATE, ALICE, "Post-mortem thread")
        checkout = seed_postmortem(db, CHANNEL, checkout_root["ts"])
        hidden = seed_postmortem(db, PRIVATE, hidden_root["ts"])
        foreign, foreign_item = _foreign_postmortem(db)
        with Driver(bot.url, bot.signing_secret, sandbox) as driver:
            yield World(sandbox, bot, driver, db, checkout, hidden, foreign, foreign_item)
        engine.dispose()
        assert "Traceback" not in bot.log(), "every refusal is a message, never a crash"


def _foreign_postmortem(db: sessionmaker[Session]) -> tuple[int, int]:
    with db.begin() as session:
        workspaces.ensure(session, ELSEWHERE)
        other = Postmortem(
            team_id=ELSEWHERE,
            channel_id=CHANNEL,  # the same channel id, in another workspace
            title="Another company's outage",
            lead_user_id=ALICE,
            created_by=ALICE,
            thread_ts="1764000000.000100",
        )
        session.add(other)
        session.flush()
        item = ActionItem(
            team_id=ELSEWHERE,
            postmortem_id=other.id,
            number=1,
            action="rotate the leaked payroll credentials",
            owner_id=BOB,
            deadline=date(2026, 12, 4),
            priority="High",
        )
        session.add(item)
        session.flush()
        return other.id, item.id


# -- publish, share, revoke: the lead or an admin ------------------------------------


def test_a_member_who_does_not_lead_cannot_publish_share_or_revoke_and_is_told_why(
    world: World,
) -> None:
    world.driver.slash_command(BOB, CHANNEL, "publish")
    world.said_to(BOB, f"{LEAD_ONLY} publish the report.")
    world.driver.slash_command(BOB, CHANNEL, "share")
    world.said_to(BOB, f"{LEAD_ONLY} share the report's page.")
    world.click(BOB, report_blocks.PUBLISH, str(world.checkout))
    world.sandbox.wait_for(
        lambda: len([r for r in world.sandbox.slack.responses if LEAD_ONLY in str(r)]) == 3
    )
    assert world.published(CHANNEL) == [] and world.sandbox.slack.files == []
    assert world.record(world.checkout) is None, "no link was made either"

    world.driver.slash_command(ALICE, CHANNEL, "share")
    link = world.said_to(ALICE, "Anyone with this link").split(": ", 1)[1].split()[0]
    page = world.bot.url + link[link.index("/postmortems/") :]
    assert httpx.get(page).status_code == 200

    world.driver.slash_command(BOB, CHANNEL, "share revoke")
    world.said_to(BOB, f"{LEAD_ONLY} revoke the report's page.")
    assert httpx.get(page).status_code == 200, "the refused revoke left the link alive"

    world.driver.slash_command(CARMEN, CHANNEL, "publish")
    assert "Published" in world.said_to(CARMEN, "Published")
    assert len(world.published(CHANNEL)) == 1
    world.driver.slash_command(ALICE, CHANNEL, "share revoke")
    world.said_to(ALICE, "The link is revoked")
    assert httpx.get(page).status_code == 404


def test_the_lead_may_publish_with_the_button_of_her_own_post_mortem(world: World) -> None:
    world.click(ALICE, report_blocks.PUBLISH, str(world.checkout))
    world.said_to(ALICE, "Published")
    assert len(world.published(CHANNEL)) == 1


# -- forged ids in buttons ------------------------------------------------------------


def test_a_forged_publish_button_with_a_private_channels_post_mortem_publishes_nothing(
    world: World,
) -> None:
    for who in (BOB, ALICE, CARMEN):  # not even its lead, nor an admin, from this channel
        world.click(who, report_blocks.PUBLISH, str(world.hidden))
        assert OTHER_CHANNEL in world.said_to(who, OTHER_CHANNEL)
    world.click(ALICE, report_blocks.PUBLISH, str(world.foreign))
    world.said_to(ALICE, "That post-mortem does not exist any more.")

    assert world.published(PRIVATE) == [] and world.published(CHANNEL) == []
    assert world.sandbox.slack.files == []
    assert world.record(world.hidden) is None and world.record(world.foreign) is None
    with world.db() as session:
        assert session.get_one(Postmortem, world.hidden).published_at is None


def test_forged_interview_buttons_are_refused_with_a_message(world: World) -> None:
    world.click(BOB, interview_blocks.DEEPER, f"{world.hidden}:1")
    assert OTHER_CHANNEL in world.said_to(BOB, OTHER_CHANNEL)
    world.click(BOB, interview_blocks.ADD_ITEM, str(world.hidden))  # answered in the ack
    world.sandbox.wait_for(
        lambda: len([r for r in world.sandbox.slack.responses if OTHER_CHANNEL in str(r)]) == 2
    )
    assert world.sandbox.slack.views == [], "no form for another channel's post-mortem"
    world.click(BOB, interview_blocks.ADD_ITEM, str(world.checkout))
    opened = world.sandbox.wait_for(lambda: world.sandbox.slack.views)[-1]["view"]
    assert opened["private_metadata"] == str(world.checkout)


def test_another_workspaces_item_cannot_be_changed_even_by_its_owner(world: World) -> None:
    for action_id in (followup_blocks.DONE, followup_blocks.SNOOZE, followup_blocks.DEADLINE):
        world.click(BOB, action_id, f"{world.foreign_item}:{followup_blocks.MINE}")
    gone = "That action item no longer exists."
    world.sandbox.wait_for(
        lambda: len([r for r in world.sandbox.slack.responses if gone in str(r)]) == 3
    )
    with world.db() as session:
        item = session.get_one(ActionItem, world.foreign_item)
    assert (item.status, item.snoozed_until, item.deadline) == ("open", None, date(2026, 12, 4))
    assert world.sandbox.slack.views == [], "no date picker for it either"


@pytest.mark.parametrize(
    ("action_id", "value", "answer"),
    [
        (report_blocks.PUBLISH, "abc", "That button is out of date"),
        (report_blocks.PUBLISH, "١٢", "That button is out of date"),  # isdigit() says yes
        (report_blocks.PUBLISH, "9" * 5000, "That button is out of date"),
        (report_blocks.PUBLISH, "99999999999", "That button is out of date"),
        (interview_blocks.DEEPER, "1:²", "I could not read that button"),
        (interview_blocks.FACTOR_KIND, ":1:testing", "I could not read that button"),
        (interview_blocks.ADD_ITEM, "", "I could not read that button"),
        (followup_blocks.DONE, "²:digest", "That button is out of date"),
        (followup_blocks.DEADLINE, "-1:mine", "That button is out of date"),
        (followup_blocks.REVIEW_CONFIRM, "1e3", "That button is out of date"),
    ],
    ids=lambda v: v[:12] if isinstance(v, str) else v,
)
def test_button_values_that_are_no_id_are_answered_with_a_message(
    world: World, action_id: str, value: str, answer: str
) -> None:
    world.click(BOB, action_id, value)
    assert answer in world.said_to(BOB, answer)


# -- forged modals ---------------------------------------------------------------------


def test_forged_add_item_metadata_is_refused_and_nothing_is_added(world: World) -> None:
    before = len(world.items(world.hidden))

    closed = world.submit_item(BOB, str(world.hidden))
    assert closed.status_code == 200
    told = world.said_to(BOB, "Only members of the post-mortem's channel")
    assert told.startswith("*Add action item*: ")
    world.submit_item(BOB, str(world.foreign))
    world.said_to(BOB, "That post-mortem does not exist any more.")
    for unreadable in ("", "abc", "12; DROP TABLE", "9" * 5000):
        kept_open = world.submit_item(BOB, unreadable).json()
        assert kept_open["response_action"] == "errors"
        assert "out of date" in kept_open["errors"]["action"]

    world.submit_item(BOB, str(world.checkout))  # a member of its channel may
    added = world.sandbox.poll(lambda: world.items(world.checkout)[2:])
    assert (added[0].owner_id, added[0].action) == (BOB, ACTION)
    assert len(world.items(world.hidden)) == before
    assert len(world.items(world.foreign)) == 1, "only the one it was seeded with"


def test_a_picker_value_that_is_not_a_user_id_is_refused_and_not_stored(world: World) -> None:
    for forged in ("U1><!channel", "<!here>", "alice", "U0BOB|x"):
        kept_open = world.submit_item(BOB, str(world.checkout), owner=forged).json()
        assert kept_open == {
            "response_action": "errors",
            "errors": {"owner": "Pick a person from the list."},
        }
    with world.db() as session:
        owners = set(session.scalars(select(ActionItem.owner_id)))
    assert owners == {ALICE, BOB}
    said = [m.get("text") or "" for m in world.sandbox.slack.replies(CHANNEL, _thread(world))]
    assert not any("<!channel>" in text or "<!here>" in text for text in said)


def test_the_deadline_modal_acts_as_whoever_submits_it_not_the_user_in_its_metadata(
    world: World,
) -> None:
    pool = world.items(world.checkout)[1]  # AI-002, Alice's
    world.click(ALICE, followup_blocks.DEADLINE, f"{pool.id}:{followup_blocks.MINE}")
    opened = world.sandbox.wait_for(lambda: world.sandbox.slack.views)[-1]["view"]
    later = (datetime.now(UTC).date() + timedelta(days=90)).isoformat()

    refused = world.driver.view_submission(BOB, opened, _picked(later)).json()
    assert refused["response_action"] == "errors"
    assert "Only <@U0ALICE> (the owner)" in refused["errors"]["deadline"]

    metadata = opened["private_metadata"]
    fields = json.loads(metadata.split(".", 1)[1])
    forged = dict(opened, private_metadata=json.dumps({**fields, "user_id": BOB}))
    out_of_date = world.driver.view_submission(BOB, forged, _picked(later)).json()
    assert "out of date" in out_of_date["errors"]["deadline"]
    assert world.items(world.checkout)[1].deadline == pool.deadline

    saved = world.driver.view_submission(CARMEN, opened, _picked(later))  # an admin may
    assert saved.status_code == 200 and not saved.content
    assert world.items(world.checkout)[1].deadline == date.fromisoformat(later)


def test_a_milestones_form_for_another_channels_post_mortem_is_refused(world: World) -> None:
    world.driver.slash_command(BOB, CHANNEL, "milestone")
    opened = world.sandbox.wait_for(lambda: world.sandbox.slack.views)[-1]["view"]
    state = json.loads(opened["private_metadata"])
    typed = {
        "milestone-started": {"at": {"type": "plain_text_input", "value": "2026-11-24 14:00 UTC"}}
    }

    for metadata, said in (
        ({**state, "pm": world.hidden}, "Only members of the post-mortem's channel"),
        ({**state, "pm": world.foreign}, "That post-mortem does not exist any more."),
        ({**state, "pm": 10**30}, "out of date"),
        ("not json", "out of date"),
    ):
        forged = dict(
            opened, private_metadata=json.dumps(metadata) if metadata != "not json" else metadata
        )
        kept_open = world.driver.view_submission(BOB, forged, typed).json()
        assert kept_open["response_action"] == "errors"
        assert said in next(iter(kept_open["errors"].values()))
    saved = world.driver.view_submission(BOB, opened, typed)  # his own channel's: he may
    assert saved.status_code == 200 and not saved.content
    with world.db() as session:
        assert session.get_one(Postmortem, world.hidden).incident_start is None
        started = session.get_one(Postmortem, world.checkout).incident_start
    assert started is not None and started.replace(tzinfo=UTC) == datetime(
        2026, 11, 24, 14, 0, tzinfo=UTC
    )


def _picked(day: str) -> dict[str, Any]:
    block, element = followup_blocks.DEADLINE_BLOCK, followup_blocks.DEADLINE_INPUT
    return {block: {element: {"type": "datepicker", "selected_date": day}}}


def _thread(world: World) -> str:
    with world.db() as session:
        thread_ts = session.get_one(Postmortem, world.checkout).thread_ts
    assert thread_ts is not None
    return thread_ts
