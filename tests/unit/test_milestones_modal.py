"""`/postmortem milestone`: alone it opens the modal in the ack; the modal lists every milestone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.milestones import ORDER, Milestone, Milestones, Name, Origin
from bot.listeners.commands import registry
from bot.slack import milestone_blocks
from bot.slack.milestone_blocks import ModalState, block_id, values_of

NIGHT = datetime(2026, 11, 30, 21, 40, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def _known() -> Milestones:
    return Milestones(
        (
            Milestone(Name.STARTED, NIGHT, Origin.PERSON, confirmed=True, by="U0A"),
            Milestone(Name.DETECTED, NIGHT + timedelta(minutes=3), Origin.PAGERDUTY),
        )
    )


def test_alone_it_opens_the_modal_in_the_ack_with_words_it_works_after() -> None:
    known = registry.build()
    alone, setting = known.parse("milestone"), known.parse("milestone detected 22:43")
    assert known["milestone"].answers_in_ack(alone)
    assert not known["milestone"].answers_in_ack(setting)
    assert not known["timeline"].answers_in_ack(known.parse("timeline"))
    assert "milestone" in known.help_text()


def test_the_modal_lists_every_milestone_in_the_persons_time_with_its_source() -> None:
    view = milestone_blocks.modal(
        _known(), postmortem_id=7, team_id="T1", zone=BERLIN, zone_name="Europe/Berlin"
    )
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [block_id(name) for name in ORDER]
    started, detected, acknowledged = inputs[0], inputs[1], inputs[2]
    assert started["element"]["initial_value"] == "2026-11-30 22:40", "Berlin, not UTC"
    assert started["hint"]["text"] == "2026-11-30 21:40 UTC, set by a person"
    assert detected["hint"]["text"] == "2026-11-30 21:43 UTC, from PagerDuty"
    assert "initial_value" not in acknowledged["element"]
    assert acknowledged["hint"]["text"].startswith("Unknown")
    footer = view["blocks"][-1]["elements"][0]["text"]
    assert "Time to detect 3 min" in footer and "unknown — set `acknowledged`" in footer
    state = ModalState.from_json(view["private_metadata"])
    assert state == ModalState(7, "T1", "Europe/Berlin", {"started": "2026-11-30 22:40",
                                                         "detected": "2026-11-30 22:43"})  # fmt: skip


def test_a_submission_carries_typed_and_emptied_fields_and_leaves_out_the_rest() -> None:
    values = {
        block_id(Name.DETECTED): {"at": {"type": "plain_text_input", "value": " 22:44 "}},
        block_id(Name.STARTED): {"at": {"type": "plain_text_input", "value": None}},
    }
    assert values_of({"state": {"values": values}}) == {Name.STARTED: "", Name.DETECTED: "22:44"}
