"""metric snapshots: each configured chart of a post-mortem as Prometheus answered it

Kept so the report reads the same after Prometheus' retention has passed and its page
never asks Prometheus per view; one row per (post-mortem, chart name), replaced by a
later fetch unless that fetch found nothing where the kept one had data.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metric_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column(
            "postmortem_id",
            sa.Integer(),
            sa.ForeignKey("postmortems.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("expr", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("window_start", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("step_seconds", sa.Integer(), nullable=False),
        sa.Column("series", sa.Text(), nullable=False),
        sa.Column("missing", sa.Text(), nullable=True),
        sa.Column("problem", sa.String(length=32), nullable=True),
        sa.Column("fetched_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("postmortem_id", "name", name="uq_metric_snapshot"),
    )


def downgrade() -> None:
    op.drop_table("metric_snapshots")
