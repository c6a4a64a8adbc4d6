"""The interview state machine: questions in order, five whys, branch, back, skip."""

from __future__ import annotations

import pytest

from bot.core.interview import (
    MIN_DEPTH,
    Command,
    InvalidMove,
    Slot,
    State,
    answer,
    command,
    describe,
    go_deeper,
    mark_systemic,
    parse_command,
    suggest_kind,
    suggest_layer,
)

NO_CHAINS: dict[int, int] = {}


def answered(state: State, times: int) -> State:
    for _ in range(times):
        state = answer(state).state
    return state


def test_the_questions_come_in_the_methods_order() -> None:
    stages = []
    state = State()
    for _ in range(4):
        stages.append(state.stage)
        state = answer(state).state
    assert stages == ["summary", "impact", "detection", "trigger"]
    assert state == State("why", 1, 1)


def test_the_trigger_is_filed_as_chain_zero_the_immediate_cause() -> None:
    step = answer(State("trigger"))
    assert step.slot == Slot("trigger", 0, 0)


def test_each_why_is_filed_at_its_level_and_asks_why_of_it() -> None:
    step = answer(State("why", 1, 3))
    assert step.slot == Slot("why", 1, 3)
    assert step.state == State("why", 1, 4)


@pytest.mark.parametrize("word", [Command.NEXT, Command.BRANCH])
def test_a_chain_cannot_be_left_before_five_levels(word: Command) -> None:
    shallow = State("why", 1, MIN_DEPTH)  # four levels answered
    with pytest.raises(InvalidMove, match="4 levels deep"):
        command(shallow, word, {1: 4})


def test_at_five_levels_next_moves_on_and_closes_the_chain() -> None:
    deep = answered(State("why", 1, 1), MIN_DEPTH)
    step = command(deep, Command.NEXT, {1: MIN_DEPTH})
    assert step.state.stage == "went_well"
    assert step.closed_chain == 1 and not step.systemic


def test_this_is_systemic_closes_a_short_chain_and_asks_for_another_factor() -> None:
    step = mark_systemic(State("why", 1, 3), 1)
    assert step.state == State("why", 2, 1)
    assert step.state.asks_for_branch
    assert (step.closed_chain, step.systemic) == (1, True)


def test_systemic_needs_an_answer_to_mark() -> None:
    with pytest.raises(InvalidMove):
        mark_systemic(State("why", 1, 1), 1)


def test_systemic_for_a_chain_no_longer_asked_about_is_refused() -> None:
    with pytest.raises(InvalidMove, match="F1"):
        mark_systemic(State("why", 2, 3), 1)


def test_branch_starts_the_next_chain_at_its_first_level() -> None:
    deep = State("why", 1, MIN_DEPTH + 1)
    step = command(deep, Command.BRANCH, {1: MIN_DEPTH})
    assert step.state == State("why", 2, 1)
    assert step.closed_chain == 1


def test_an_answer_to_the_branch_question_is_the_first_why_of_the_new_chain() -> None:
    step = answer(State("why", 2, 1))
    assert step.slot == Slot("why", 2, 1)
    assert step.state == State("why", 2, 2)


def test_next_at_the_branch_question_goes_on_to_what_went_well() -> None:
    step = command(State("why", 2, 1), Command.NEXT, {1: 5})
    assert step.state.stage == "went_well" and step.closed_chain is None


def test_go_deeper_right_after_closing_a_chain_reopens_it() -> None:
    step = go_deeper(State("why", 2, 1), 1, {1: 3})
    assert step.state == State("why", 1, 4)
    assert step.reopened_chain == 1


def test_go_deeper_on_the_open_chain_changes_nothing() -> None:
    state = State("why", 1, 7)
    assert go_deeper(state, 1, {1: 6}).state == state


def test_back_reopens_the_previous_answer() -> None:
    assert command(State("impact"), Command.BACK, NO_CHAINS).state.stage == "summary"
    assert command(State("why", 1, 1), Command.BACK, NO_CHAINS).state.stage == "trigger"
    step = command(State("why", 1, 4), Command.BACK, {1: 3})
    assert step.state == State("why", 1, 3) and step.reopened_chain == 1


def test_back_from_a_new_chain_reopens_the_last_answer_of_the_previous_one() -> None:
    step = command(State("why", 3, 1), Command.BACK, {1: 5, 2: 6})
    assert step.state == State("why", 2, 6)


def test_back_from_what_went_well_reopens_the_last_chain() -> None:
    step = command(State("went_well", 2, 1), Command.BACK, {1: 5, 2: 2})
    assert step.state == State("why", 2, 2)


def test_back_at_the_first_question_is_refused() -> None:
    with pytest.raises(InvalidMove, match="first question"):
        command(State(), Command.BACK, NO_CHAINS)


def test_skip_files_an_empty_answer_and_moves_on() -> None:
    step = command(State("impact"), Command.SKIP, NO_CHAINS)
    assert step.skipped and step.slot == Slot("impact")
    assert step.state.stage == "detection"


def test_skipping_a_why_ends_its_chain_where_it_is() -> None:
    step = command(State("why", 1, 3), Command.SKIP, {1: 2})
    assert step.skipped and step.slot == Slot("why", 1, 3)
    assert step.closed_chain == 1 and step.state == State("why", 2, 1)


def test_action_items_stay_open_until_done() -> None:
    state = State("actions")
    assert answer(state).state == state
    assert command(state, Command.DONE, NO_CHAINS).state.stage == "done"
    assert answer(State("done")).slot is None


def test_done_elsewhere_and_commands_after_the_end_are_refused() -> None:
    with pytest.raises(InvalidMove):
        command(State("lessons"), Command.DONE, NO_CHAINS)
    with pytest.raises(InvalidMove, match="finished"):
        command(State("done"), Command.SKIP, NO_CHAINS)
    assert command(State("done"), Command.BACK, NO_CHAINS).state.stage == "actions"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("skip", Command.SKIP),
        ("`back`", Command.BACK),
        ("This is systemic!", Command.SYSTEMIC),
        ("  Go   deeper ", Command.DEEPER),
        ("*keep*", Command.KEEP),
        ("keep the old runbook", None),
        ("we skipped the canary", None),
    ],
)
def test_a_command_is_a_whole_reply(text: str, expected: Command | None) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("No alert fired on the connection-pool metric", "monitoring"),
        ("The migration had no integration test in staging", "testing"),
        ("The runbook did not cover failing over the replica", "runbook"),
        ("The pool was exhausted at twice the usual traffic", "capacity"),
        ("The config change was deployed without review", "change management"),
        ("The payment provider's API timed out upstream", "dependency"),
        ("Nobody owns the on-call rotation for this service", "process"),
        ("It rained", "other"),
    ],
)
def test_the_kind_of_a_factor_is_suggested_from_its_text(text: str, kind: str) -> None:
    assert suggest_kind(text) == kind


def test_layers_immediate_for_the_trigger_systemic_when_said_or_organisational() -> None:
    assert suggest_layer("a bad deploy", chain=0) == "immediate"
    assert suggest_layer("no alert on the pool", chain=1) == "contributing"
    assert suggest_layer("no alert on the pool", chain=1, marked_systemic=True) == "systemic"
    assert suggest_layer("Reliability work is never prioritised", chain=2) == "systemic"


def test_a_filed_answer_is_described_for_people() -> None:
    assert describe(Slot("why", 2, 3)) == "why #3 of F2"
    assert describe(Slot("went_well")) == "what went well"
