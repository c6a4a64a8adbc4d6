"""pagerduty services: which workspace each PagerDuty service belongs to

A webhook does not say which Slack workspace it is for, so in OAuth mode an admin
maps each PagerDuty service to a workspace (`postmortem-bot pagerduty map`). Each
kept event now records its service (`service_id`), and `pagerduty_incidents` keeps
the service each incident was last seen on (a note's webhook does not name it).
`pagerduty_events.team_id`, which the first workspace to link an incident used to
claim, goes: ownership is read through the mapping. Events already kept get their
service from their stored payload.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.models.UTCDateTime(timezone=True)
events = sa.table(
    "pagerduty_events",
    sa.column("event_id", sa.String),
    sa.column("incident_id", sa.String),
    sa.column("service_id", sa.String),
    sa.column("occurred_at", UTC_TIME),
    sa.column("payload", sa.JSON),
)
incidents = sa.table(
    "pagerduty_incidents",
    sa.column("incident_id", sa.String),
    sa.column("service_id", sa.String),
    sa.column("service_name", sa.String),
    sa.column("learned_at", UTC_TIME),
)


def upgrade() -> None:
    op.create_table(
        "pagerduty_services",
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("mapped_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("service_id"),
    )
    with op.batch_alter_table("pagerduty_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pagerduty_services_team_id"), ["team_id"], unique=False
        )
    op.create_table(
        "pagerduty_incidents",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("service_name", sa.String(length=200), nullable=True),
        sa.Column("learned_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    with op.batch_alter_table("pagerduty_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_pagerduty_events_service_id"), ["service_id"], unique=False
        )
        batch_op.drop_column("team_id")
    _services_from_payloads()


def downgrade() -> None:
    with op.batch_alter_table("pagerduty_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.String(length=32), nullable=True))
        batch_op.drop_index(batch_op.f("ix_pagerduty_events_service_id"))
        batch_op.drop_column("service_id")
    op.drop_table("pagerduty_incidents")
    with op.batch_alter_table("pagerduty_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pagerduty_services_team_id"))
    op.drop_table("pagerduty_services")


def _services_from_payloads() -> None:
    """Give each kept event the service its body names, or its incident's, oldest first."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(events.c.event_id, events.c.incident_id, events.c.payload).order_by(
            events.c.occurred_at
        )
    ).all()
    known: dict[str, tuple[str, str | None]] = {}
    for _event_id, incident_id, payload in rows:
        service = _service_of(payload)
        if service is not None and incident_id:
            known[incident_id] = service
    for event_id, incident_id, payload in rows:
        service = _service_of(payload) or known.get(incident_id or "")
        if service is not None:
            connection.execute(
                sa.update(events).where(events.c.event_id == event_id).values(service_id=service[0])
            )
    now = datetime.now(UTC)
    for incident_id, (service_id, name) in known.items():
        connection.execute(
            sa.insert(incidents).values(
                incident_id=incident_id, service_id=service_id, service_name=name, learned_at=now
            )
        )


def _service_of(payload: Any) -> tuple[str, str | None] | None:
    """(id, name) of `event.data.service` in a v3 body whose data is the incident."""
    event = payload.get("event") if isinstance(payload, dict) else None
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict) or data.get("type") != "incident":
        return None
    service = data.get("service")
    if not isinstance(service, dict) or not isinstance(service.get("id"), str):
        return None
    name = service.get("summary")
    return service["id"][:64], name[:200] if isinstance(name, str) else None
