"""Vague action items as real remediation lists write them, and concrete ones the old
closed lists refused (rows like these are quoted in tests/data/action_items.tsv)."""

from __future__ import annotations

import pytest

from bot.core.action_items import find_vagueness


@pytest.mark.parametrize(
    "item",
    [
        "Implement Secrets Manager",
        "Create internal documentation on our Kyverno setup",
        "Use flux capacitor to balance load between clusters",
        "Hash customer emails before writing them to the analytics warehouse",
        "Fix bugs in image-culler preventing it from running",
        "Change the ErrorsInExternalDNS alarm to high priority",
        "Document rollover process.",
        "set up notifications of downtime",
        'Add log metric for "no space left on device" messages on the user nodes',
        "Disable pipeline until issue fixed",
    ],
)
def test_concrete_work_is_accepted_though_its_object_is_in_no_list(item: str) -> None:
    assert find_vagueness(item) == []


@pytest.mark.parametrize(
    "item",
    [
        "Fix the deploy pipeline",
        "Change scheduled deployment pipeline timeslot",
        "Change Traefik v2 healthcheck path to something more robust",
        "Setup more Fluentd alerts",
        "We should set up some kind of monitoring for the mybinder.org deployment.",
        "Setup better Grafana dashboards to monitor resource usage <https://github.com/o/r/issues/92>",
        'Investigate root cause of "no space left on device" messages',
        "Can we use AWS Certificate Manager instead of Letsencrypt?",
        "Find a way to gracefully handle repositories that take a long time to build",
        "Team discussed about performing planned prometheus restarts when the WAL count is lower",
    ],
)
def test_work_with_no_finish_line_is_pushed_back(item: str) -> None:
    [finding] = find_vagueness(item)

    assert finding.kind == "vague-action"
    assert "missing:" in finding.why
    assert finding.suggestion


def test_a_hedge_covers_every_clause_it_introduces() -> None:
    item = "try to auto-detect likely unhealthy Hub state and restart the Hub without intervention"

    [finding] = find_vagueness(item)

    assert finding.phrase == "try to"
    assert find_vagueness("Restart the Hub when its health check fails three times") == []


def test_make_sure_passes_with_a_testable_condition_unless_a_person_is_told_to_check() -> None:
    assert find_vagueness("Make sure that everybody gets emailed when the site goes down") == []
    assert find_vagueness("Make sure backups work")
    assert find_vagueness(
        "Make sure engineer checks that database schema can be parsed before updating."
    )


def test_monitoring_passes_once_it_names_what_it_watches_for() -> None:
    assert find_vagueness("Monitor Kubernetes deployments for timeouts") == []
    assert find_vagueness("Monitor the Kubernetes deployments")


def test_a_link_or_a_ticket_number_is_not_what_the_work_changes() -> None:
    assert find_vagueness("Improve alerting #3498")
    assert find_vagueness("Create pingdom alerts for test helloworld apps #3498") == []


@pytest.mark.parametrize(
    "item",
    [
        "High priority alerts for Elasticsearch and Opensearch",
        "Teach the teams how to scan and secure their Docker images",
        "Workload segmentation might be an option to limit blast zones",
    ],
)
def test_a_noun_phrase_a_lesson_or_a_suggestion_is_not_a_task(item: str) -> None:
    assert find_vagueness(item)


def test_a_name_after_and_is_not_read_as_a_verb_but_a_second_task_is() -> None:
    assert find_vagueness("Upgrade jupyterhub-home-nfs, and remove nfs-share-creator job") == []
    assert find_vagueness("Alert when the certificate for api.example.com has 14 days left") == []


def test_a_count_kept_or_a_thing_that_must_exist_is_a_setting_someone_can_check() -> None:
    assert find_vagueness("Keep 30 days of audit logs in the archive bucket") == []
    assert find_vagueness("Keep an eye on the audit logs") != []
    assert find_vagueness("We need to have an SCA scanner that alerts on new advisories") == []
    assert find_vagueness("We need to have better tooling") != []


def test_a_plan_is_not_the_change_but_a_written_guide_on_a_subject_is_a_deliverable() -> None:
    assert find_vagueness("Create a process for rotating the on-call owners") != []
    assert find_vagueness("Implement a strategy for database failover") != []
    assert find_vagueness("Document the procedure for breaking Terraform state locks") == []
    assert find_vagueness("Write guidance about internal DNS names for the service teams") == []
    assert find_vagueness("Write guidance") != []


def test_ensure_passes_with_a_rule_the_system_keeps() -> None:
    assert (
        find_vagueness("Ensure that deploy keys can only come from the central secret vault") == []
    )
    assert find_vagueness("Ensure that the team follows the runbook") != []


def test_a_definite_set_narrowed_by_a_phrase_is_a_particular_thing() -> None:
    assert find_vagueness("Automate the limitranges for namespaces") == []
    assert find_vagueness("Automate things for teams") != []


@pytest.mark.parametrize(
    "item",
    [
        "All production buckets must block public ACLs",
        "Nightly restore test of the billing database into the staging cluster",
        "Backups of the etcd data every six hours to a separate account",
        "Dashboard panel showing p99 latency of the checkout API per region",
    ],
)
def test_an_item_written_as_a_rule_or_a_noun_phrase_is_judged_by_what_it_names(item: str) -> None:
    assert find_vagueness(item) == []


@pytest.mark.parametrize(
    "item",
    [
        "The deploy process should be more robust",
        "Runbook updates",
        "Better testing of backups",
        "Dashboards for the checkout API",
        "Actively monitor critical pipeline executions.",
    ],
)
def test_the_same_shapes_with_no_finish_line_stay_vague(item: str) -> None:
    assert find_vagueness(item) != []
