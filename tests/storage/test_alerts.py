"""Alertmanager's alerts kept and filed, on SQLite and PostgreSQL.

The notifications are the published ones (`tests/fixtures`): Zulip's group of two
"High CPU Temperature" alerts firing at 2020-02-06 00:17:58 UTC (labels `host`,
`severity`: no service), and the pythonwebhook resolved "Deployment" alert, whose `job`
label is its service. A resolution of Zulip's first alert is that body with its status
and `endsAt` changed, as Alertmanager sends it when the alert stops firing.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.alertmanager.webhook import parse_notification
from bot.core.milestones import Name
from bot.services import alerts, milestones, monitoring_services, postmortems
from storage.models import MonitoringAlert, Postmortem, TimelineEvent
from tests import published

ACME, GLOBEX = "T0ACME", "T0GLOBEX"
FIRING = "alertmanager_webhook_v4.firing.zulip.json"
DEPLOYMENT = "alertmanager_webhook_v4.resolved.pythonwebhook.json"
FIRED_AT = datetime(2020, 2, 6, 0, 17, 58, 432911, tzinfo=UTC)
ENDED_AT = datetime(2020, 2, 6, 0, 41, 3, tzinfo=UTC)
OPENED = FIRED_AT + timedelta(minutes=20)
DEPLOYMENT_SERVICE = "eric-pm-kube-state-metrics"


def _firing() -> dict[str, Any]:
    document: dict[str, Any] = published.read_json(FIRING)
    return document


def _first_resolved() -> dict[str, Any]:
    document = copy.deepcopy(_firing())
    document["status"] = "resolved"
    document["alerts"] = document["alerts"][:1]
    document["alerts"][0].update(status="resolved", endsAt="2020-02-06T00:41:03Z")
    return document


def _receive(
    sessions: sessionmaker[Session],
    document: dict[str, Any],
    *,
    single: bool = True,
    now: datetime = OPENED,
) -> alerts.Recorded:
    with sessions.begin() as session:
        return alerts.record(
            session, parse_notification(document), single_workspace=single, now=now
        )


def _open(
    sessions: sessionmaker[Session],
    *,
    team: str = ACME,
    channel: str = "C0INCIDENT",
    service: str | None = None,
    at: datetime = OPENED,
) -> int:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session, team_id=team, channel_id=channel, user_id="U0LEAD", title="CPU", now=at
        )
        if service is not None:
            postmortems.set_service(session, postmortem.id, service)
        return postmortem.id


def _map(sessions: sessionmaker[Session], service: str, team: str) -> None:
    with sessions.begin() as session:
        monitoring_services.map_service(session, service, team, OPENED)


def _file_kept(
    sessions: sessionmaker[Session],
    postmortem_id: int,
    *,
    single: bool = True,
    now: datetime = OPENED,
) -> int:
    with sessions.begin() as session:
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        return alerts.file_kept(session, postmortem, single_workspace=single, now=now)


def _lines(sessions: sessionmaker[Session], postmortem_id: int) -> list[tuple[str, str, datetime]]:
    with sessions() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.postmortem_id == postmortem_id)
            .order_by(TimelineEvent.occurred_at, TimelineEvent.source_key)
        )
        return [(row.kind or "", row.actor or "", row.occurred_at) for row in rows]


def _kept(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(MonitoringAlert)) or 0


def test_resends_of_a_firing_and_of_its_resolution_are_each_kept_once(
    sessions: sessionmaker[Session],
) -> None:
    first = _receive(sessions, _firing())
    for _ in range(3):  # repeat_interval, and the other peer of an Alertmanager cluster
        again = _receive(sessions, _firing())
    resolved = _receive(sessions, _first_resolved())
    resolved_again = _receive(sessions, _first_resolved())

    assert (first.new, first.repeated) == (2, 0)
    assert (again.new, again.repeated) == (0, 2)
    assert (resolved.new, resolved_again.new) == (1, 0)
    assert _kept(sessions) == 3


def test_a_post_mortem_open_during_the_alert_gets_its_firing_then_its_resolution_once(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _open(sessions, at=FIRED_AT + timedelta(minutes=5))

    _receive(sessions, _firing())
    _receive(sessions, _firing())
    _receive(sessions, _first_resolved())
    _receive(sessions, _first_resolved())

    actor = 'High CPU Temperature {host="andromeda", severity="critical"}'
    assert _lines(sessions, postmortem_id) == [
        ("alert_firing", actor, FIRED_AT),
        ("alert_firing", actor, FIRED_AT),  # the group's second alert (its own fingerprint)
        ("alert_resolved", actor, ENDED_AT),
    ]
    with sessions() as session:  # the first alert is when the incident was detected
        detected = milestones.current(session, postmortems.get_or_raise(session, postmortem_id))
    assert detected.at(Name.DETECTED) == FIRED_AT


def test_an_alert_kept_before_its_post_mortem_is_filed_when_the_post_mortem_starts(
    sessions: sessionmaker[Session],
) -> None:
    _receive(sessions, _first_resolved(), now=ENDED_AT)
    postmortem_id = _open(sessions)

    assert _lines(sessions, postmortem_id) == []
    assert _file_kept(sessions, postmortem_id) == 2  # its firing and its resolution
    assert _file_kept(sessions, postmortem_id) == 0
    assert [kind for kind, _, _ in _lines(sessions, postmortem_id)] == [
        "alert_firing",
        "alert_resolved",
    ]


def test_with_several_workspaces_only_a_post_mortem_naming_the_alerts_service_takes_it(
    sessions: sessionmaker[Session],
) -> None:
    at = datetime(2022, 7, 29, 11, 30, tzinfo=UTC)
    _map(sessions, DEPLOYMENT_SERVICE, GLOBEX)
    unnamed = _open(sessions, team=ACME, at=at)
    other = _open(sessions, team=ACME, channel="C0OTHER", service="checkout", at=at)
    named = _open(sessions, team=GLOBEX, service=DEPLOYMENT_SERVICE, at=at)

    _receive(sessions, published.read_json(DEPLOYMENT), single=False, now=at)

    assert _lines(sessions, unnamed) == []
    assert _lines(sessions, other) == []
    assert [kind for kind, _, _ in _lines(sessions, named)] == ["alert_firing", "alert_resolved"]


def test_with_several_workspaces_naming_another_workspaces_service_gets_none_of_its_alerts(
    sessions: sessionmaker[Session],
) -> None:
    """Globex names the service Acme's admin mapped to Acme: the webhook keeps the alerts,
    Acme's post-mortem gets them, Globex's gets nothing, then or when it files kept ones."""
    at = datetime(2022, 7, 29, 11, 30, tzinfo=UTC)
    _map(sessions, DEPLOYMENT_SERVICE, ACME)
    acme = _open(sessions, team=ACME, service=DEPLOYMENT_SERVICE, at=at)
    globex = _open(sessions, team=GLOBEX, service=DEPLOYMENT_SERVICE, at=at)

    recorded = _receive(sessions, published.read_json(DEPLOYMENT), single=False, now=at)

    assert recorded.new == 1 and recorded.filed == 2  # kept, and filed on Acme's only
    assert len(_lines(sessions, acme)) == 2
    assert _lines(sessions, globex) == []
    assert _file_kept(sessions, globex, single=False, now=at) == 0
    assert _file_kept(sessions, globex, single=True, now=at) == 2, "one workspace: its own"


def test_with_several_workspaces_an_unmapped_service_s_alerts_reach_nobody(
    sessions: sessionmaker[Session],
) -> None:
    at = datetime(2022, 7, 29, 11, 30, tzinfo=UTC)
    named = _open(sessions, team=GLOBEX, service=DEPLOYMENT_SERVICE, at=at)

    recorded = _receive(sessions, published.read_json(DEPLOYMENT), single=False, now=at)

    assert (recorded.new, recorded.filed) == (1, 0)
    assert _lines(sessions, named) == []
    _map(sessions, DEPLOYMENT_SERVICE, GLOBEX)
    assert _file_kept(sessions, named, single=False, now=at) == 2


def test_with_one_workspace_a_post_mortem_naming_no_service_takes_the_alerts_of_its_window(
    sessions: sessionmaker[Session],
) -> None:
    at = datetime(2022, 7, 29, 11, 30, tzinfo=UTC)
    unnamed = _open(sessions, at=at)
    other = _open(sessions, channel="C0OTHER", service="checkout", at=at)

    _receive(sessions, published.read_json(DEPLOYMENT), single=True, now=at)

    assert len(_lines(sessions, unnamed)) == 2
    assert _lines(sessions, other) == []  # it names another service


def test_naming_the_service_later_files_the_alerts_of_that_service(
    sessions: sessionmaker[Session],
) -> None:
    at = datetime(2022, 7, 29, 11, 30, tzinfo=UTC)
    _receive(sessions, published.read_json(DEPLOYMENT), single=False, now=at)
    postmortem_id = _open(sessions, at=at)
    assert _file_kept(sessions, postmortem_id, single=False, now=at) == 0
    _map(sessions, DEPLOYMENT_SERVICE, ACME)

    with sessions.begin() as session:
        postmortems.set_service(session, postmortem_id, DEPLOYMENT_SERVICE)

    assert _file_kept(sessions, postmortem_id, single=False, now=at) == 2


def test_an_alert_long_before_the_post_mortem_opened_is_filed_once_its_start_says_so(
    sessions: sessionmaker[Session],
) -> None:
    opened = FIRED_AT + timedelta(hours=5)
    _receive(sessions, _firing(), now=FIRED_AT)
    postmortem_id = _open(sessions, at=opened)
    assert _file_kept(sessions, postmortem_id, now=opened) == 0  # 5 h before: not its own yet

    with sessions.begin() as session:
        postmortem = postmortems.get_or_raise(session, postmortem_id)
        milestones.set_time(
            session,
            postmortem,
            Name.STARTED,
            FIRED_AT - timedelta(minutes=10),
            by="U0LEAD",
            now=opened,
        )

    assert _file_kept(sessions, postmortem_id, now=opened) == 2


def test_a_published_post_mortem_takes_no_fresh_alert(sessions: sessionmaker[Session]) -> None:
    postmortem_id = _open(sessions, at=FIRED_AT + timedelta(minutes=5))
    with sessions.begin() as session:
        postmortem = session.get(Postmortem, postmortem_id)
        assert postmortem is not None
        postmortem.published_at = FIRED_AT + timedelta(minutes=10)

    _receive(sessions, _firing())

    assert _lines(sessions, postmortem_id) == []


def test_outside_text_of_any_length_and_control_characters_is_kept_and_filed(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _open(sessions, at=FIRED_AT + timedelta(minutes=5))
    document = _firing()
    alert = document["alerts"][0]
    alert["labels"] = {"alertname": "Disk\x00Full" + "x" * 300, "host": "h\x07" * 200}
    alert["annotations"] = {"summary": "nul \x00 here " * 100}
    alert["fingerprint"] = "f" * 100
    document["receiver"] = "r" * 500

    first = _receive(sessions, document)
    again = _receive(sessions, document)

    assert (first.new, again.new) == (2, 0)
    actors = [actor for _, actor, _ in _lines(sessions, postmortem_id)]
    assert len(actors) == 2
    (odd,) = [actor for actor in actors if actor.startswith("DiskFull")]
    assert "\x00" not in odd and "\x07" not in odd and len(odd) == 200 and odd.endswith("…")
