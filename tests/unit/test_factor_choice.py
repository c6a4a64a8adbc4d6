"""The question under an item's notice: which factor does it address? (issue 14.2)"""

from __future__ import annotations

from bot.core.factor_labels import factor_label
from bot.core.interview_views import ItemNotice
from bot.slack import factor_choice_blocks as ask
from bot.slack import limits


def notice(**given: object) -> ItemNotice:
    values: dict[str, object] = {
        "code": "AI-002", "action": "add a pool alert", "owner_id": "U0BOB", "deadline": None,
        "priority": "High", "factor_chain": None, "factor_kind": None, "vague_kept": False,
        "created": True, "item_id": 42,
    }  # fmt: skip
    values.update(given)
    return ItemNotice(**values)  # type: ignore[arg-type]


def test_the_immediate_cause_has_a_visible_name() -> None:
    assert factor_label(0) == "F0 — immediate cause"
    assert factor_label(2) == "F2"


def test_one_button_per_factor_and_none_of_these_each_within_slacks_limits() -> None:
    long = "x" * 500
    blocks = ask.ask(notice(factor_choices=((0, "A config change"), (1, long), (2, "No alert"))))
    elements = blocks[-1]["elements"]

    assert [e["text"]["text"][:20] for e in elements] == [
        "F0 — immediate cause", "F1: " + "x" * 16, "F2: No alert", "None of these",
    ]  # fmt: skip
    assert [e["value"] for e in elements] == ["42:0", "42:1", "42:2", "42:none"]
    assert all(len(e["text"]["text"]) <= limits.BUTTON_TEXT for e in elements)


def test_nothing_is_asked_when_the_item_names_its_factor_or_is_not_stored() -> None:
    assert ask.ask(notice()) == []
    assert ask.ask(notice(factor_choices=((1, "x"),), item_id=None)) == []


def test_many_factors_stay_within_one_actions_block() -> None:
    choices = tuple((n, f"factor {n}") for n in range(40))
    [_, actions] = ask.ask(notice(factor_choices=choices))
    assert len(actions["elements"]) == limits.ACTIONS_ELEMENTS
    assert actions["elements"][-1]["text"]["text"] == "None of these"


def test_a_linked_factor_reads_by_its_name_and_says_when_it_was_the_only_one() -> None:
    assert ask.linked_words(notice(factor_chain=0, factor_kind="change management")) == (
        "F0 — immediate cause (change management)"
    )
    alone = ask.linked_words(
        notice(factor_chain=1, factor_kind="testing", factor_linked_alone=True)
    )
    assert alone is not None and alone.startswith("F1 (testing) — the only factor so far")
    assert ask.linked_words(notice()) is None
    assert ask.linked_words(notice(factor_declined=True)) == "none of the factors (as answered)"


def test_only_values_the_bot_could_have_written_are_read() -> None:
    assert ask.chosen("42:2") == (42, 2)
    assert ask.chosen("42:none") == (42, None)
    for forged in ("42", "x:1", "42:-1", "42:1e3", "0:1", "42:٣", "42:123", "-4:1"):
        assert ask.chosen(forged) is None, forged
