"""monitoring alerts: Alertmanager's notified transitions, kept once each

Each alert transition an Alertmanager webhook notified (firing, or resolved) is kept
under its key ("am:<fingerprint>:<startsAt unix>[:resolved]") before the bot answers
2xx, so a resend adds nothing and a post-mortem started later files it then.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitoring_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("alertname", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=True),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME, nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("generator_url", sa.Text(), nullable=True),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("receiver", sa.String(length=200), nullable=False),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_monitoring_alerts_starts_at", "monitoring_alerts", ["starts_at"])
    op.create_index(
        "ix_monitoring_alerts_service_start", "monitoring_alerts", ["service", "starts_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_alerts_service_start", table_name="monitoring_alerts")
    op.drop_index("ix_monitoring_alerts_starts_at", table_name="monitoring_alerts")
    op.drop_table("monitoring_alerts")
