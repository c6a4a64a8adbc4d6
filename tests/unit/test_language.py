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


def test_should_have_aimed_at_a_person_is_hindsight_and_quotes_the_phrase() -> None:
    [finding] = find_blame("Bob should have checked the dashboard before deploying.")

    assert finding.kind == "counterfactual"
    assert "what made that step easy to miss" in finding.suggestion.lower()
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


@pytest.mark.parametrize("pronoun", ["he", "She", "they", "I", "You"])
def test_a_pronoun_as_the_subject_of_a_failure_is_blame(pronoun: str) -> None:
    assert blamed_phrases(f"{pronoun} forgot to update the runbook.") == [f"{pronoun} forgot to"]


# Issue 15: misses a team meets in week one, and false alarms that make people ignore the bot.


@pytest.mark.parametrize(
    "sentence",
    [
        "Slip-ups were made by the on-call rotation.",
        "The outage was caused by a careless config push by Priya.",
        "The bad migration was pushed by Tom without a review.",
        "The rollback was botched by the night shift.",
    ],
)
def test_a_passive_failure_with_a_person_as_its_agent_is_blame(sentence: str) -> None:
    assert find_blame(sentence)


def test_a_passive_with_a_neutral_agent_or_no_failure_is_not_blame() -> None:
    assert find_blame("The config was pushed by the deploy bot at 14:02.") == []
    assert find_blame("The rollback was started by the on-call at 10:42.") == []
    assert find_blame("The outage was caused by a race in the leader election.") == []


@pytest.mark.parametrize(
    "sentence",
    ["That one's on the payments team.", "This is on Dave.", "The fault lies with the vendor."],
)
def test_fault_placed_on_a_person_or_team_is_blame(sentence: str) -> None:
    assert find_blame(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The ticket is on the payments team's board.",
        "Dave was on call that week.",
        "The dashboard is on the second monitor.",
    ],
)
def test_being_on_a_list_a_board_or_call_is_not_blame(sentence: str) -> None:
    assert find_blame(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Had the reviewer read the diff, we would have caught it.",
        "If Sam had checked the hostname, none of this would have happened.",
        "If he'd double-checked the region, nothing would have broken.",
    ],
)
def test_a_counterfactual_aimed_at_a_person_is_its_own_kind_with_its_own_advice(
    sentence: str,
) -> None:
    [finding] = find_blame(sentence)

    assert finding.kind == "counterfactual"
    assert "hindsight" in finding.why
    assert "what made that step easy to miss" in finding.suggestion.lower()


def test_a_counterfactual_about_a_system_is_the_analysis_we_want() -> None:
    assert find_blame("If the config had been validated in CI, the push would fail.") == []
    assert find_blame("Had the alert fired at 80%, we would have had an hour.") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The new on-caller froze.",
        "The contractor clearly didn't understand the system.",
        "Kim rushed it out before the freeze.",
        "He didn't bother to read the runbook.",
        "Whoever was on call was asleep at the wheel.",
        "The DBA on shift had no idea what he was doing.",
    ],
)
def test_a_judgment_of_a_persons_competence_or_state_is_blame(sentence: str) -> None:
    assert find_blame(sentence)


def test_the_same_state_words_about_a_system_are_not_blame() -> None:
    assert find_blame("The load balancer froze under the connection storm.") == []
    assert find_blame("The health check didn't understand the new status codes.") == []


@pytest.mark.parametrize(
    "sentence",
    ["The on-call engineer needs retraining.", "Mark should not touch prod again."],
)
def test_a_fix_aimed_at_the_person_is_blame_with_system_advice(sentence: str) -> None:
    [finding] = find_blame(sentence)

    assert "aims the fix at a person" in finding.why
    assert "system" in finding.suggestion


@pytest.mark.parametrize(
    "sentence",
    [
        "The technician unplugged the wrong cable.",
        "The release manager forgot to tag the build.",
        "A new hire deleted the staging bucket by mistake.",
        "The DBA on shift dropped the wrong table.",
        "The vendor engineer blindly applied the patch.",
    ],
)
def test_roles_outside_the_old_list_are_people(sentence: str) -> None:
    assert find_blame(sentence)


@pytest.mark.parametrize("sentence", ["Classic PEBKAC.", "This was a layer 8 problem."])
def test_blame_jargon_is_blame(sentence: str) -> None:
    assert find_blame(sentence)


@pytest.mark.parametrize(
    "sentence", ["Why did you deploy on a Friday?", "So, who pushed the bad config?"]
)
def test_a_blaming_question_is_blame(sentence: str) -> None:
    assert find_blame(sentence)


def test_a_question_about_the_system_is_not_blame() -> None:
    assert find_blame("Why didn't the canary catch the regression?") == []
    assert find_blame("Why did the deploy go out on a Friday without a freeze check?") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "We had not exercised the restore path in years.",
        "We failed to notice the certificate expiry because no alert watched it.",
    ],
)
def test_first_person_plural_about_the_organisation_is_not_blame(sentence: str) -> None:
    assert find_blame(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "This review is not about finding who is to blame.",
        "The point is not who made the mistake but why the system allowed it.",
        "This is not incompetence.",
        "It is tempting to call this human error, but the prompt gave no hint of the host.",
    ],
)
def test_a_statement_about_blame_itself_is_not_blame(sentence: str) -> None:
    assert find_blame(sentence) == []


def test_a_self_report_that_gives_the_system_context_is_not_blame() -> None:
    text = "I typed it in the wrong terminal because both prompts look identical."

    assert find_blame(text) == []


@pytest.mark.parametrize(
    "sentence", ["Thanks to @ana for spotting the spike.", "Huge thanks to the DBA on shift."]
)
def test_thanks_is_not_blame(sentence: str) -> None:
    assert find_blame(sentence) == []


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


def test_the_interview_pushes_back_on_a_counterfactual_with_its_own_advice() -> None:
    from bot.core.interview_views import FindingNotice
    from bot.slack.interview_blocks import finding as pushback_message
    from bot.templates import Templates

    [found] = find_blame("Had the reviewer read the diff, we would have caught it.")
    notice = FindingNotice(1, found.kind, found.phrase, found.why, found.suggestion, "U0BOB")

    text, _ = pushback_message(notice, Templates())

    assert found.kind == "counterfactual"
    assert found.phrase == "Had the reviewer read"
    assert "what made that step easy to miss" in text.lower()
    assert "keep" in text


# The issue-15 sets (tests/data/README.md), 1,299 blame-check sentences and 509 action items,
# mostly quoted from public post-mortems. Floors sit just under what bench/language_quality.py
# measured on 2026-12-01 (held-out: blame P 0.860 R 0.740, counterfactual P 0.800 R 1.000,
# vague P 0.861 R 0.877; dev: blame P 0.992 R 0.910, vague P 0.992 R 0.901). A drop below a
# floor means a change made the checks worse on text they were not written against.
SET_FLOORS = {
    ("blame", "heldout"): (0.85, 0.73),
    ("counterfactual", "heldout"): (0.79, 0.85),
    ("vague", "heldout"): (0.85, 0.87),
    ("blame", "dev"): (0.98, 0.90),
    ("vague", "dev"): (0.98, 0.89),
}
_POSITIVE_LABELS = {
    "blame": {"blame", "counterfactual"},
    "counterfactual": {"counterfactual"},
    "vague": {"vague"},
}
_FINDING_KINDS = {
    "blame": {"blame", "counterfactual"},
    "counterfactual": {"counterfactual"},
    "vague": {"vague-action"},
}


def measured(kind: str, split: str) -> tuple[float, float]:
    check = find_vagueness if kind == "vague" else find_blame
    path = DATA / ("action_items.tsv" if kind == "vague" else "blame_sentences.tsv")
    rows = [row for row in _rows(path) if len(row) == 4 and row[1] == split]
    flagged = [
        (
            row[0] in _POSITIVE_LABELS[kind],
            any(f.kind in _FINDING_KINDS[kind] for f in check(row[3])),
        )
        for row in rows
    ]
    hits = sum(truth and guess for truth, guess in flagged)
    return hits / sum(guess for _, guess in flagged), hits / sum(truth for truth, _ in flagged)


@pytest.mark.parametrize(("kind", "split"), sorted(SET_FLOORS))
def test_precision_and_recall_on_the_issue_15_sets_stay_above_the_floor(
    kind: str, split: str
) -> None:
    precision, recall = measured(kind, split)
    floor_precision, floor_recall = SET_FLOORS[(kind, split)]

    assert precision >= floor_precision
    assert recall >= floor_recall


def test_the_issue_15_sets_are_mostly_real_text_and_big_enough() -> None:
    blame = [row for row in _rows(DATA / "blame_sentences.tsv") if len(row) == 4]
    actions = [row for row in _rows(DATA / "action_items.tsv") if len(row) == 4]

    assert len(blame) >= 600
    assert len(actions) >= 400
    for rows in (blame, actions):
        quoted = [row for row in rows if row[2] != "constructed"]
        assert len(quoted) >= 0.6 * len(rows)
        assert all(row[2].startswith(("http://", "https://", "github:")) for row in quoted)
    assert {row[0] for row in blame} == {"blame", "counterfactual", "ok"}
    assert {row[0] for row in actions} == {"vague", "ok"}


def test_a_person_credited_next_to_a_failure_word_is_not_the_agent_of_it() -> None:
    assert find_blame("The fix was written by Alice after the bad deploy.") == []
    assert find_blame("She restarted it after the bad deploy.") == []
