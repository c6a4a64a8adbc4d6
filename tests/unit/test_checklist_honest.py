"""The checklist is reachable and honest (issue 14.4): a gap people acknowledged is noted,
not a failure; every item says what would tick it."""

from __future__ import annotations

from dataclasses import replace

from bot.core.checklist import evaluate
from bot.core.timeline import Gap
from tests.unit.report_samples import complete


def test_a_deleted_message_fails_the_timeline_until_someone_acknowledges_it() -> None:
    deleted = Gap.messages_deleted(1)
    before = evaluate(complete(gaps=(deleted,))).get("timeline")
    after = evaluate(complete(gaps=(replace(deleted, acknowledged_by="U0BOB"),))).get("timeline")

    assert not before.ok and "1 data gap" in before.reason
    assert after.ok and after.reason.endswith("1 gap acknowledged as on purpose")


def test_an_acknowledged_gap_does_not_hide_another_one() -> None:
    gaps = (replace(Gap.messages_deleted(2), acknowledged_by="U0BOB"), Gap.messages_deleted(1))
    check = evaluate(complete(gaps=gaps)).get("timeline")
    assert not check.ok and "1 data gap" in check.reason


def test_the_report_still_lists_an_acknowledged_gap_and_says_so() -> None:
    said = replace(Gap.messages_deleted(1), acknowledged_by="U0BOB").describe()
    assert said == (
        "1 message was deleted from the channel and is not in the timeline. "
        "Acknowledged: removed on purpose."
    )
    assert "Acknowledged" not in Gap.messages_deleted(1).describe()


def test_every_item_says_what_would_tick_it_and_a_seven_of_seven_is_reachable() -> None:
    checklist = evaluate(complete())
    assert checklist.score == "7 of 7"
    assert all(check.how for check in checklist.checks)
    failing = evaluate(complete(gaps=(Gap.messages_deleted(1),)))
    assert "`/postmortem gap ack deleted`" in failing.get("timeline").how
    assert "`/postmortem publish`" in failing.get("distributed").how


def test_no_pager_acknowledged_with_a_reason_is_noted_with_that_reason() -> None:
    no_pager = Gap.pagerduty_not_linked()
    told = replace(no_pager, reason="we page by phone tree", acknowledged_by="U0BOB")
    before = evaluate(complete(gaps=(no_pager,))).get("timeline")

    assert not before.ok and "`/postmortem gap ack pagerduty [why]`" in before.how
    assert "invite the bot to the channel, then `/postmortem start` again" in before.how
    assert evaluate(complete(gaps=(told,))).get("timeline").ok
    assert told.describe().endswith("are not in the timeline. Acknowledged: we page by phone tree.")
    assert (
        replace(no_pager, acknowledged_by="U0BOB")
        .describe()
        .endswith("Acknowledged: this team uses no pager.")
    )
