"""Who the sentence is about: the head of the subject, not the word before the verb.

Sentences as real write-ups put them (quoted in tests/data/blame_sentences.tsv): a role
followed by where it works, a person named by what they were doing, a gerund that makes
an activity the subject, and the talk about blame that is not blame.
"""

from __future__ import annotations

import pytest

from bot.core.language import find_blame, leading_literals


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_blame(text)]


@pytest.mark.parametrize(
    "sentence",
    [
        "A water treatment plant operator at OWASA accidentally instructed the pump to run at 80%.",
        "An employee removing a piece of monitoring equipment likely caused the outage.",
        "When provisioning the private cloud, a Google operator left a specific input blank.",
        "Some other admin had forgotten to turn the diesel supply back on.",
    ],
)
def test_a_person_at_the_head_of_a_long_subject_is_still_the_subject(sentence: str) -> None:
    assert kinds(sentence) == ["blame"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The alert for the on-call engineer failed to fire.",
        "Porting old Careers 2.0 code to the new Developer Story caused a leak of user data.",
        "Pods on the team's nodes failed to start after the upgrade.",
    ],
)
def test_a_system_or_an_activity_heading_the_subject_is_not_blamed(sentence: str) -> None:
    assert find_blame(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("The initial breach was attributed to an internal employee.", "attributed to"),
        ("The subsequent failure of a lead operator to act prolonged it.", "failure of"),
        ("The trigger was a developer's local test suite truncating prod.", "trigger was"),
        ("An exhausted operator executed rm -rf on the primary.", "exhausted operator"),
        ("A senior engineer deployed a config change that took down payments.", "engineer"),
        ("The root cause was identified as a developer running the suite.", "root cause"),
    ],
)
def test_fault_placed_on_a_person_in_the_shapes_real_reports_use(
    sentence: str, phrase: str
) -> None:
    [finding] = find_blame(sentence)

    assert finding.kind == "blame"
    assert phrase in finding.phrase
    assert finding.suggestion


@pytest.mark.parametrize(
    "sentence",
    [
        "It is easy to blame the worker and difficult to look for weaknesses in the system.",
        "This describes the old view of human error, assigning responsibility to careless actors.",
        "Anyone could have made the same mistake.",
        "We need robust emergency stop mechanisms to prevent human error.",
        "Truth is, even if he totally messed up, the blast radius should have been contained.",
    ],
)
def test_talk_about_blame_and_guarding_against_error_is_not_blame(sentence: str) -> None:
    assert find_blame(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Configuration changes to Facebook's backbone routers caused a global outage.",
        "The recipe community site Supermarket crashed two hours after launch.",
        "Transaction ID Wraparound in Postgres caused Sentry to go down for a day.",
        "The root cause was an Amazon EBS service degradation in a single zone.",
        "A cascading error from an adjacent service lead to the auth service being overloaded.",
        "Insufficient monitoring for membership size meant capacity planning did not account.",
        "The extension held critical database locks and ignored timeout signals.",
        "Asked for more precise information from users could've lead to a quicker recovery.",
        "CoreDNS, which handles cluster DNS, had additional vendor specific changes.",
    ],
)
def test_companies_products_and_clipped_reports_are_not_taken_for_people(sentence: str) -> None:
    assert find_blame(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The engineer skipped the canary.",
        "She lacked the experience to run the failover.",
        "He got distracted and ran it on prod.",
        "Whose idea was it to deploy on a Friday?",
        "Classic rookie mistake.",
        "Revoke his access to production.",
        "The support agent forgot to escalate.",
    ],
)
def test_other_words_for_the_same_blame_are_blame(sentence: str) -> None:
    assert kinds(sentence) == ["blame"]


@pytest.mark.parametrize(
    "sentence",
    ["The job skipped the locked rows.", "Traffic bypassed the cache.", "We skipped the canary."],
)
def test_the_same_words_about_a_system_or_about_us_are_not_blame(sentence: str) -> None:
    assert find_blame(sentence) == []


def test_a_clause_with_no_subject_shares_the_person_named_before_it() -> None:
    sentence = "An operator used a tool to reboot a few servers but forgot to type -n."

    [finding] = find_blame(sentence)

    assert finding.phrase == "forgot to"
    assert [
        f.phrase for f in find_blame("Admin brought his drill, destroyed disks and crashed it")
    ] == ["crashed"]
    assert find_blame("The extension held the locks and ignored timeout signals.") == []
    assert find_blame("This lead to database changes being applied which broke production.") == []
    assert (
        find_blame("Errors rose at 2:09 PM on October 20, caused by health check failures.") == []
    )


def test_a_judgment_word_in_quotes_is_mentioned_not_used() -> None:
    assert find_blame("We don't ask why they were 'careless'; we ask what allowed it.") == []
    assert find_blame('The user described the script as "really, really stupid".') == []
    assert kinds("The on-call was careless.") == ["blame"]


def test_a_persons_work_owned_by_name_is_still_blamed() -> None:
    assert kinds("Sofia's deploy caused the outage.") == ["blame"]
    assert kinds("The outage was caused by the DBA team.") == ["blame"]
    assert kinds("Had the release manager checked the changelog, we'd have known.") == [
        "counterfactual"
    ]


def test_hindsight_aimed_at_a_person_is_its_own_kind_and_asks_what_made_it_easy_to_miss() -> None:
    [finding] = find_blame("Dave should have paged the database team sooner.")

    assert finding.kind == "counterfactual"
    assert finding.phrase == "Dave should have paged"
    assert "easy to miss" in finding.suggestion
    assert "“paged the database team sooner”" in finding.suggestion


def test_the_same_hindsight_about_a_system_is_the_analysis_we_want() -> None:
    assert find_blame("The canary should have caught the regression before every region.") == []
    assert find_blame("Had the alert fired at 80%, the disk would not have filled.") == []


def test_a_rule_is_skipped_cheaply_only_when_none_of_its_first_words_is_present() -> None:
    assert leading_literals(r"\b(?:careless(?:ly)?|froze|screw-?up)\b") == (
        "careless",
        "froze",
        "screw",
    )
    assert leading_literals(r"\b(?:[a-z]+)\s+bad\b") == ()
    assert leading_literals(r"\b(?:was|were)?\s+bad\b") == ()


def test_a_noun_phrase_joined_by_and_is_no_clause_of_its_own() -> None:
    # The person of "shut down the ISPs and their customers" still owns "after accidentally …".
    assert kinds(
        "The vendor engineer cut off the racks and their tenants after accidentally pulling a feed."
    ) == ["blame"]
    assert (
        kinds("The tape library and its robot went offline after accidentally losing power.") == []
    )


def test_a_hyphenated_compound_keeps_its_and_and_a_persons_error_is_still_theirs() -> None:
    assert kinds("Her copy-and-paste error inadvertently wiped the orders table.") == ["blame"]
    assert kinds("A copy-and-paste step in the runbook inadvertently wiped the orders table.") == []


def test_a_complement_clause_after_a_verb_of_saying_has_its_own_subject() -> None:
    assert kinds("Acme admitted that a mistyped command caused the outage.") == []
    assert kinds("The review found that the engineer forgot to drain the node.") == ["blame"]


def test_a_denied_attribution_blames_no_one() -> None:
    assert kinds("This was not the result of a mistake by our staff.") == []
    assert kinds("This was the result of a mistake by our staff.") == ["blame"]


def test_a_step_a_person_left_out_trails_the_verb() -> None:
    assert kinds("Priya pushed the migration without testing it.") == ["blame"]
    assert kinds("We pushed the migration without testing it.") == []
    assert kinds("The migration went out without testing.") == []


def test_judgments_and_firings_name_the_person_not_the_conditions() -> None:
    assert kinds("A ham-fisted technician unplugged the core switch.") == ["blame"]
    assert kinds("The CTO should definitely be fired for this.") == ["blame"]
    assert kinds("Or did the boss/manager not review the change?") == ["blame"]
    assert kinds("An Acme IT worker simply mis-configured the network.") == ["blame"]


def test_a_wrong_choice_in_the_active_voice_names_the_person_who_made_it() -> None:
    assert kinds("The on-call wiped the primary instead of the replica.") == ["blame"]
    assert kinds("Mo was splicing fibre and cut the live pair instead of the spare.") == ["blame"]
    assert kinds("The flag was set to 'ignore' instead of 'fail'.") == []
    assert kinds("The load balancer sent traffic to the dashboard instead of the API.") == []


def test_a_role_named_with_error_is_the_same_verdict_as_human_error() -> None:
    assert kinds("The outage was a technician error.") == ["blame"]
    assert kinds("The outage was a disk error.") == []


def test_an_order_to_blame_is_blame_but_talk_about_blaming_is_not() -> None:
    assert kinds("If the data is gone, fine. Blame the idiot and send him the bill.") == ["blame"]
    assert kinds("Blaming the idiot who ran it teaches the system nothing.") == []


def test_a_person_named_as_the_root_cause_after_a_colon_is_blamed() -> None:
    assert kinds("After an hour we had the root cause of the outage: Ryan.") == ["blame"]
    assert kinds("After an hour we had the root cause of the outage: a stale DNS record.") == []


def test_a_denial_that_clears_a_person_is_no_missed_step() -> None:
    assert kinds("It really was his own laptop; he didn't steal a thing.") == []
    assert kinds("He didn't drain the node before the upgrade.") == ["blame"]
    assert kinds("Sam accidently deleted the customer table.") == ["blame"]


def test_a_generic_you_in_a_condition_is_advice_not_a_verdict() -> None:
    assert kinds("Just because it builds and you didn't touch the code, it is not safe.") == []
    assert kinds("You didn't run the migration check before the deploy.") == ["blame"]


def test_a_company_as_the_subject_is_the_organisation_not_a_person() -> None:
    assert kinds("Etsy didn't test the upgrade path before the switch-over.") == []
    assert kinds("Esther didn't test the upgrade path before the switch-over.") == ["blame"]


def test_a_persons_act_then_its_damage_names_the_person_as_the_cause() -> None:
    assert kinds("An engineer disconnected the supply, causing a surge in the hall.") == ["blame"]
    assert kinds("The primary was restarted on the wrong disk, causing a global outage.") == []
    assert kinds("Each Shepherd worker took a table lock, causing requests to queue.") == []


def test_blame_pinned_on_a_person_or_put_down_to_them_is_attribution() -> None:
    assert kinds("IT contractor blamed for causing the outage at the data centre") == ["blame"]
    assert kinds("The outage may have been down to the engineer's error.") == ["blame"]
    assert kinds("A bumbling IT contractor shut down the power supply unit.") == ["blame"]
    assert kinds("The outage may have been down to a stale DNS record.") == []
