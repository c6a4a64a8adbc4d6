"""Blameless language: a person as the subject of a failure is flagged, facts and systems are not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.action_items import find_vagueness
from bot.core.language import Finding, find_blame

DATA = Path(__file__).resolve().parents[1] / "data"


def blamed_phrases(text: str) -> list[str]:
    return [finding.phrase for finding in find_blame(text)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Alice restarted the pods at 14:05.",
        "The on-call engineer acknowledged the page at 02:13 UTC.",
        "<@U123ABC> rolled back the deploy at 10:42.",
        "<@U123ABC|alice> posted the latency graph in the channel.",
        "He escalated to the database team at 03:10.",
    ],
)
def test_a_neutral_sentence_naming_people_or_roles_is_not_blame(sentence: str) -> None:
    assert find_blame(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The alert should have fired at 5%.",
        "The canary should have caught the regression.",
        "Kafka failed to rebalance after the broker restart.",
        "The backup job never checked whether the snapshot succeeded.",
    ],
)
def test_a_failure_whose_subject_is_a_system_is_not_blame(sentence: str) -> None:
    assert find_blame(sentence) == []


def test_should_have_aimed_at_a_person_is_blame_and_quotes_the_phrase() -> None:
    [finding] = find_blame("Bob should have checked the dashboard before deploying.")

    assert finding.kind == "blame"
    assert finding.phrase == "Bob should have checked"
    assert finding.span == (0, 23)
    assert "Bob should have checked" in finding.why
    assert "what allowed" in finding.suggestion
    assert "“checked the dashboard”" in finding.suggestion


def test_a_person_who_should_have_been_paged_is_not_blamed() -> None:
    assert find_blame("The on-call should have been paged at 14:00, not 14:20.") == []


@pytest.mark.parametrize("mention", ["<@U123ABC>", "<@U123ABC|alice>"])
def test_a_slack_mention_as_the_subject_of_a_failure_is_blame(mention: str) -> None:
    assert blamed_phrases(f"{mention} forgot to drain the node before rebooting.") == [
        f"{mention} forgot to"
    ]


@pytest.mark.parametrize("pronoun", ["he", "She", "they", "We", "I"])
def test_a_pronoun_as_the_subject_of_a_failure_is_blame(pronoun: str) -> None:
    assert blamed_phrases(f"{pronoun} forgot to update the runbook.") == [f"{pronoun} forgot to"]


def test_human_error_is_blame_wherever_it_appears() -> None:
    text = "In the end this was human error."
    [finding] = find_blame(text)

    assert finding.phrase == "human error"
    assert finding.span == (text.index("human"), text.index("."))


def test_words_about_character_are_blame_without_a_named_subject() -> None:
    assert blamed_phrases("A careless engineer dropped the index.") == ["careless"]


def test_a_change_owned_by_a_person_as_the_cause_is_blame_but_the_change_alone_is_not() -> None:
    assert blamed_phrases("Sofia's deploy caused the 502s.") == ["Sofia's deploy caused"]
    assert find_blame("The config change caused the outage.") == []


def test_a_passive_without_an_agent_is_not_blame() -> None:
    assert find_blame("The alert was ignored because it fired 200 times a day.") == []


def test_each_blaming_clause_of_a_sentence_is_reported_once_in_order() -> None:
    text = "He forgot to drain the node, and she should have waited for the canary."

    assert blamed_phrases(text) == ["He forgot to", "she should have waited"]


# Quality floors, set from what bench/language_quality.py measured (see the report there):
# all lines: blame P 0.993 R 0.944, vague P 1.000 R 0.982;
# heldout2 (never tuned on): blame P 1.000 R 0.700, vague P 1.000 R 0.900.
FLOORS = {
    ("blame", "all"): (0.95, 0.90),
    ("blame", "heldout2"): (0.90, 0.65),
    ("vague", "all"): (0.95, 0.95),
    ("vague", "heldout2"): (0.90, 0.85),
}


def precision_and_recall(
    check: Callable[[str], list[Finding]], path: Path, positive: str, split: str
) -> tuple[float, float]:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    labelled = [(label == positive, text) for label, row_split, text in _data_rows(rows, split)]
    flagged = [(truth, bool(check(text))) for truth, text in labelled]
    hits = sum(truth and guess for truth, guess in flagged)
    return hits / sum(guess for _, guess in flagged), hits / sum(truth for truth, _ in flagged)


def _data_rows(rows: list[list[str]], split: str) -> list[list[str]]:
    data = [row for row in rows if len(row) == 3 and not row[0].startswith("#")]
    return [row for row in data if split in ("all", row[1])]


@pytest.mark.parametrize("split", ["all", "heldout2"])
def test_blame_precision_and_recall_on_the_labelled_set_stay_above_the_floor(split: str) -> None:
    precision, recall = precision_and_recall(
        find_blame, DATA / "blame_labelled.tsv", "blame", split
    )
    floor_precision, floor_recall = FLOORS[("blame", split)]

    assert precision >= floor_precision
    assert recall >= floor_recall


@pytest.mark.parametrize("split", ["all", "heldout2"])
def test_vague_action_precision_and_recall_on_the_labelled_set_stay_above_the_floor(
    split: str,
) -> None:
    precision, recall = precision_and_recall(
        find_vagueness, DATA / "actions_labelled.tsv", "vague", split
    )
    floor_precision, floor_recall = FLOORS[("vague", split)]

    assert precision >= floor_precision
    assert recall >= floor_recall


def test_the_labelled_sets_are_big_enough_to_mean_something() -> None:
    blame_rows = _data_rows(_rows(DATA / "blame_labelled.tsv"), "all")
    action_rows = _data_rows(_rows(DATA / "actions_labelled.tsv"), "all")

    assert len(blame_rows) >= 150
    assert len(action_rows) >= 120
    assert {row[0] for row in blame_rows} == {"blame", "ok"}
    assert {row[0] for row in action_rows} == {"vague", "ok"}


def _rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
