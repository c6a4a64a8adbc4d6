"""milestones: the incident's own clock, as people set or confirmed it

One row per post-mortem and milestone (started, detected, acknowledged, declared,
mitigated, resolved). What the data says is derived on read; these rows are the
decisions that win over it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("postmortem_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", UTC_TIME, nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=True),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["postmortem_id"], ["postmortems.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("postmortem_id", "name", name="uq_milestone_name"),
    )


def downgrade() -> None:
    op.drop_table("milestones")
