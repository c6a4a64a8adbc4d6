"""PagerDuty's Slack app posts and the webhook/REST lines of the same change are one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import app_posts
from bot.core.timeline import TimelineEntry, merge
from tests import published

T0 = datetime(2026, 11, 30, 22, 40, tzinfo=UTC)


def _pd(
    kind: str, via: str, key: str, seconds: int = 0, incident: str = "PABC123"
) -> TimelineEntry:
    return TimelineEntry(
        T0 + timedelta(seconds=seconds),
        "pagerduty",
        key,
        f"{kind} by PagerDuty",
        "Ann Oncall",
        kind=kind,
        incident_id=incident,
        via=via,
    )


def _post(
    text: str, seconds: int = 0, actor: str = "PagerDuty", key_: bool = False
) -> TimelineEntry:
    return TimelineEntry(
        T0 + timedelta(seconds=seconds),
        "slack",
        f"C1:{1700000000 + seconds}.0001",
        text,
        actor,
        is_key=key_,
    )


def test_an_escalation_reported_by_webhook_log_and_the_app_shows_once_with_both_sources() -> None:
    lines = merge(
        [_pd("escalated", "webhook", "Q1"), _pd("escalated", "log", "R1", seconds=2)],
        [
            _post(
                "Escalated: Incident #1234 (<https://acme.pagerduty.com/incidents/PABC123|link>)",
                20,
                key_=True,
            )
        ],
    )
    folded = app_posts.fold(lines)
    assert len(folded) == 1
    assert folded[0].source == "pagerduty" and folded[0].via == "webhook"
    assert folded[0].also_in == ("slack",) and folded[0].is_key


def test_the_published_app_post_of_a_trigger_joins_the_trigger_and_a_person_saying_it_does_not() -> (
    None
):
    alert = published.read_json("slack_message.bot_message_attachments_only.slackduty.json")
    words = "\n".join(a["title"] + "\n" + a["text"] for a in alert["attachments"])
    lines = [
        _pd("trigger", "webhook", "Q1"),
        _post(words, 30),
        _post("triggered again?", 31, actor="U0ALICE"),
    ]
    folded = app_posts.fold(lines)
    assert [line.source for line in folded] == ["pagerduty", "slack"]
    assert folded[1].actor == "U0ALICE"


def test_a_post_an_hour_away_another_incidents_or_without_a_twin_stays() -> None:
    far = _post("Resolved: Incident #1234", 3600)
    other = _post("Resolved <https://acme.pagerduty.com/incidents/PZZZ999|#99>", 5)
    alone = _post("Acknowledged by Ann", 10)
    lines = [_pd("resolved", "webhook", "Q9"), other, alone, far]
    assert app_posts.fold(lines) == lines


def test_the_app_is_known_by_its_name_not_by_anyone_mentioning_pagerduty_words() -> None:
    assert app_posts.announced(_post("Resolved", actor="PagerDuty")) == app_posts.AppPost(
        "resolved", None
    )
    assert app_posts.announced(_post("Resolved", actor="Datadog")) is None
    assert app_posts.announced(_post("we resolved the pagerduty alert", actor="U0BOB")) is None
    assert app_posts.announced(_post("Notes from the bridge", actor="PagerDuty")) is None


def test_an_app_known_only_by_its_bot_id_is_pagerduty_when_it_links_a_pagerduty_incident() -> None:
    linked = "Triggered <https://acme.pagerduty.com/incidents/PABC123|#12> checkout 5xx"
    assert app_posts.announced(_post(linked, actor="B52HQJQEM")) == app_posts.AppPost(
        "trigger", "PABC123"
    )
    assert app_posts.announced(_post("Triggered: build failed", actor="B52HQJQEM")) is None
    assert app_posts.announced(_post(linked, actor="U0ALICE")) is None, "a person pasting it"
