"""ticket trackers: a channel's repository for action items, a person's tracker login

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ticket_trackers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel_id", name="uq_ticket_tracker_channel"),
    )
    with op.batch_alter_table("ticket_trackers") as batch:
        batch.create_index(batch.f("ix_ticket_trackers_target"), ["target"], unique=False)
    op.create_table(
        "tracker_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "user_id", "system", name="uq_tracker_identity"),
    )


def downgrade() -> None:
    op.drop_table("tracker_identities")
    with op.batch_alter_table("ticket_trackers") as batch:
        batch.drop_index(batch.f("ix_ticket_trackers_target"))
    op.drop_table("ticket_trackers")
