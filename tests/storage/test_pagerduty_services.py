"""PagerDuty services mapped to workspaces, on SQLite and PostgreSQL: whose events are whose.

The webhook bodies are the published ones (`tests/fixtures`): the Aldaviva incident
Q2CKYRLH85UNN4 on service PNE3JZM (its note names no service), and go-pagerduty's
PGR0VU2 on service PF9KMXH.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import NotFound
from bot.pagerduty.webhook import parse_webhook
from bot.services import incidents, pagerduty_events, pagerduty_services, postmortems
from bot.services.pagerduty_services import ServiceRef
from storage import schema
from storage.models import PagerDutyEvent, TimelineEvent, UTCDateTime
from storage.repositories import pagerduty_events as kept_events
from storage.repositories import pagerduty_services as mapping
from storage.repositories import postmortems as postmortem_rows
from tests import published

ACME, GLOBEX = "T0ACME", "T0GLOBEX"
NOW = datetime(2025, 4, 7, 4, 0, tzinfo=UTC)
INCIDENT, SERVICE = "Q2CKYRLH85UNN4", "PNE3JZM"
OTHER_INCIDENT, OTHER_SERVICE = "PGR0VU2", "PF9KMXH"
TRIGGERED = "pagerduty_v3_incident.triggered.aldaviva.body.json"
NOTE = "pagerduty_v3_incident.annotated.aldaviva.body.json"
RESOLVED = "pagerduty_v3_incident.resolved.aldaviva.body.json"
PRIORITY = "pagerduty_v3_incident.priority_updated.go-pagerduty.body.json"
# `pagerduty_events` as it was before migration 0010: a `team_id`, no `service_id`.
EVENTS_0009 = sa.table(
    "pagerduty_events",
    *(sa.column(name, sa.String) for name in ("event_id", "team_id", "incident_id", "event_type")),
    sa.column("summary", sa.Text),
    sa.column("payload", sa.JSON),
    sa.column("occurred_at", UTCDateTime(timezone=True)),
    sa.column("received_at", UTCDateTime(timezone=True)),
)


def _receive(sessions: sessionmaker[Session], *names: str, single: bool = False) -> None:
    for name in names:
        body = published.read_bytes(name)
        with sessions.begin() as session:
            pagerduty_events.record(
                session,
                parse_webhook(body),
                published.read_json(name),
                single_workspace=single,
                now=NOW,
            )


def _postmortem(sessions: sessionmaker[Session], team: str, channel: str) -> int:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session, team_id=team, channel_id=channel, user_id="U0LEAD", title="Outage", now=NOW
        )
        return postmortem.id


def _visible(sessions: sessionmaker[Session], team: str, *, single: bool = False) -> list[str]:
    with sessions() as session:
        events = kept_events.list_by_incident(session, team, INCIDENT, unmapped_too=single)
        return [event.event_type for event in events]


def _timeline_types(sessions: sessionmaker[Session], postmortem_id: int) -> list[str]:
    with sessions() as session:
        query = select(TimelineEvent.kind).where(TimelineEvent.postmortem_id == postmortem_id)
        return sorted(kind or "" for kind in session.scalars(query))


def test_mapping_a_service_gives_it_to_one_workspace_and_remapping_moves_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        first = pagerduty_services.map_service(session, SERVICE, ACME, NOW)
        moved = pagerduty_services.map_service(session, SERVICE, GLOBEX, NOW)
    with sessions.begin() as session:
        owner = mapping.owner(session, SERVICE)
        removed = pagerduty_services.unmap_service(session, SERVICE)
        after = mapping.owner(session, SERVICE)

    assert (first.before, moved.before, owner) == (None, ACME, GLOBEX)
    assert (removed.before, after) == (GLOBEX, None)


def test_events_of_a_mapped_service_are_its_workspaces_alone_and_unmapped_ones_nobodys(
    sessions: sessionmaker[Session],
) -> None:
    _receive(sessions, TRIGGERED, RESOLVED)

    assert _visible(sessions, ACME) == [] and _visible(sessions, GLOBEX) == []
    assert _visible(sessions, ACME, single=True) == ["incident.triggered", "incident.resolved"]
    with sessions.begin() as session:
        pagerduty_services.map_service(session, SERVICE, ACME, NOW)
    assert _visible(sessions, ACME) == ["incident.triggered", "incident.resolved"]
    assert _visible(sessions, GLOBEX) == []
    assert _visible(sessions, GLOBEX, single=True) == [], "a mapped service is never another's"


def test_a_note_names_no_service_and_takes_its_incidents_before_or_after(
    sessions: sessionmaker[Session],
) -> None:
    _receive(sessions, NOTE)  # before anything named the incident's service
    with sessions.begin() as session:
        pagerduty_services.map_service(session, SERVICE, ACME, NOW)
    assert _visible(sessions, ACME) == [], "a note of an unknown service is nobody's"

    _receive(sessions, TRIGGERED)  # names PNE3JZM: the note is the service's too now
    _receive(sessions, RESOLVED)

    with sessions() as session:
        services = {e.event_type: e.service_id for e in session.scalars(select(PagerDutyEvent))}
        known = pagerduty_services.incident_service(session, INCIDENT)
    assert set(services.values()) == {SERVICE}
    assert known == ServiceRef(SERVICE, "Webhook Tester")
    assert sorted(_visible(sessions, ACME)) == [
        "incident.annotated",
        "incident.resolved",
        "incident.triggered",
    ]


def test_a_webhook_joins_only_the_mapped_workspaces_post_mortem_linking_its_incident(
    sessions: sessionmaker[Session],
) -> None:
    acme_pm = _postmortem(sessions, ACME, "C0ACME")
    globex_pm = _postmortem(sessions, GLOBEX, "C0GLOBEX")
    with sessions.begin() as session:
        pagerduty_services.map_service(session, SERVICE, ACME, NOW)
        # Both linked it (Globex as an older bot let it): only the mapped one is fed.
        incidents.link(session, acme_pm, INCIDENT, single_workspace=False)
        incidents.link(session, globex_pm, INCIDENT, single_workspace=False)

    _receive(sessions, TRIGGERED, NOTE)

    assert _timeline_types(sessions, acme_pm) == ["note", "trigger"]
    assert _timeline_types(sessions, globex_pm) == []
    with sessions() as session:
        linking = postmortem_rows.list_by_incident(session, GLOBEX, INCIDENT)
        acme_linking = postmortem_rows.list_by_incident(session, ACME, INCIDENT)
    assert [p.id for p in linking] == [globex_pm] and [p.id for p in acme_linking] == [acme_pm]


def test_an_unmapped_service_is_kept_and_filed_nowhere_in_oauth_mode(
    sessions: sessionmaker[Session],
) -> None:
    acme_pm = _postmortem(sessions, ACME, "C0ACME")
    with sessions.begin() as session:
        incidents.link(session, acme_pm, INCIDENT, single_workspace=False)

    _receive(sessions, TRIGGERED)
    with sessions() as session:
        kept = session.scalars(select(PagerDutyEvent)).all()

    assert [event.service_id for event in kept] == [SERVICE], "kept, never lost"
    assert _timeline_types(sessions, acme_pm) == []


def test_single_workspace_mode_files_every_unmapped_service_as_before(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions, ACME, "C0ACME")
    with sessions.begin() as session:
        incidents.link(session, postmortem_id, INCIDENT, single_workspace=True)

    _receive(sessions, TRIGGERED, NOTE, single=True)

    assert _timeline_types(sessions, postmortem_id) == ["note", "trigger"]


@pytest.mark.parametrize("who", [ACME, GLOBEX])
def test_the_visibility_check_names_the_map_command_or_refuses_another_workspaces(
    sessions: sessionmaker[Session], who: str
) -> None:
    _receive(sessions, PRIORITY)
    with sessions.begin() as session:
        unmapped = _refusal(session, who, OTHER_INCIDENT)
        pagerduty_services.map_service(session, OTHER_SERVICE, GLOBEX, NOW)
    with sessions.begin() as session:
        seen = pagerduty_services.require_visible(
            session, GLOBEX, OTHER_INCIDENT, single_workspace=False
        )
        other = _refusal(session, ACME, OTHER_INCIDENT)
        unknown = _refusal(session, who, "PNOTSEEN1")

    assert f"postmortem-bot pagerduty map {OTHER_SERVICE} {who}" in unmapped
    assert "API Service" in unmapped
    assert seen == ServiceRef(OTHER_SERVICE, "API Service")
    assert "not one this workspace can see" in other and OTHER_SERVICE not in other
    assert "can't tell which PagerDuty service" in unknown and f"map SERVICE_ID {who}" in unknown


def _refusal(session: Session, team: str, incident_id: str) -> str:
    with pytest.raises(NotFound) as refused:
        pagerduty_services.require_visible(session, team, incident_id, single_workspace=False)
    return str(refused.value)


def test_the_listing_shows_mapped_services_and_those_seen_unmapped(
    sessions: sessionmaker[Session],
) -> None:
    _receive(sessions, TRIGGERED, PRIORITY)
    with sessions.begin() as session:
        pagerduty_services.map_service(session, SERVICE, ACME, NOW)
        pagerduty_services.map_service(session, "PNEVERSEEN", GLOBEX, NOW)
    with sessions() as session:
        listing = pagerduty_services.listing(session)

    assert [(s.service_id, s.name, s.team_id, s.kept) for s in listing.mapped] == [
        (SERVICE, "Webhook Tester", ACME, 1),
        ("PNEVERSEEN", None, GLOBEX, 0),
    ]
    assert [(s.service_id, s.name, s.kept) for s in listing.unmapped] == [
        (OTHER_SERVICE, "API Service", 1)
    ]


def test_migration_0010_gives_kept_events_the_service_their_bodies_name(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(schema.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    with engine.begin() as connection:
        for name in (NOTE, TRIGGERED):
            event = parse_webhook(published.read_bytes(name))
            connection.execute(
                insert(EVENTS_0009).values(
                    event_id=event.event_id,
                    team_id=None,
                    incident_id=event.incident_id,
                    event_type=event.event_type,
                    occurred_at=event.occurred_at,
                    summary=event.summary,
                    payload=published.read_json(name),
                    received_at=NOW,
                )
            )

    schema.upgrade(engine)

    with Session(engine) as session:
        services = {e.event_type: e.service_id for e in session.scalars(select(PagerDutyEvent))}
        known = mapping.incident_service(session, INCIDENT)
    assert services == {"incident.annotated": SERVICE, "incident.triggered": SERVICE}
    assert known is not None and (known.service_id, known.service_name) == (
        SERVICE,
        "Webhook Tester",
    )


def test_a_service_name_pagerduty_sent_is_inert_in_the_refusal(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        pagerduty_services.learn(session, "PLOUD01", ServiceRef("PLOUDSVC", "API <!channel>"), NOW)
        refusal = _refusal(session, ACME, "PLOUD01")

    assert "(API &lt;!channel&gt;)" in refusal and "<!channel>" not in refusal


def test_a_note_kept_before_its_service_was_known_is_filed_once_a_webhook_names_it(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions, ACME, "C0ACME")
    with sessions.begin() as session:
        pagerduty_services.map_service(session, SERVICE, ACME, NOW)
        incidents.link(session, postmortem_id, INCIDENT, single_workspace=False)

    _receive(sessions, NOTE)
    before = _timeline_types(sessions, postmortem_id)
    _receive(sessions, TRIGGERED, RESOLVED)

    assert before == [], "nobody's while its service is unknown"
    assert _timeline_types(sessions, postmortem_id) == ["note", "resolved", "trigger"]


def test_a_webhook_kept_while_start_links_its_incident_is_filed_once_either_way(
    sessions: sessionmaker[Session],
) -> None:
    """On PostgreSQL a link and a webhook of one incident in two transactions at once each
    missed the other's uncommitted row: the event was kept but never filed (1 run in 5)."""
    postmortem_id = _postmortem(sessions, ACME, "C0ACME")
    webhook = sessions()
    webhook.begin()
    pagerduty_events.record(
        webhook,
        parse_webhook(published.read_bytes(TRIGGERED)),
        published.read_json(TRIGGERED),
        single_workspace=True,
        now=NOW,
    )
    attached: list[int] = []

    def link() -> None:
        with sessions.begin() as session:
            linked = incidents.link(session, postmortem_id, INCIDENT, single_workspace=True)
            attached.append(linked.attached)

    linking = threading.Thread(target=link)
    linking.start()
    linking.join(0.5)
    waited_for_the_webhook = linking.is_alive()
    webhook.commit()
    webhook.close()
    linking.join(10)

    assert waited_for_the_webhook, "the link must wait for the webhook's transaction"
    assert attached == [1]
    assert _timeline_types(sessions, postmortem_id) == ["trigger"]
