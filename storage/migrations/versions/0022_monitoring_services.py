"""monitoring services: which workspace may see each monitoring service's alerts and metrics

Alertmanager's alerts and Prometheus' series name a service, never a Slack workspace. In
OAuth mode several workspaces share one bot, so an admin maps each service to the
workspace it belongs to (`postmortem-bot monitoring map SERVICE TEAM_ID`); a post-mortem
gets a service's monitoring data only when that service is its workspace's.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_services",
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("mapped_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service"),
    )
    with op.batch_alter_table("monitoring_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_services_team_id"), ["team_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_services_team_id"))
    op.drop_table("monitoring_services")
