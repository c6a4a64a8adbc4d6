"""reports: the channel post, file and share link of each post-mortem's report

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("postmortem_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=True),
        sa.Column("published_by", sa.String(length=32), nullable=True),
        sa.Column("publish_count", sa.Integer(), nullable=False),
        sa.Column("channel_ts", sa.String(length=32), nullable=True),
        sa.Column("file_id", sa.String(length=32), nullable=True),
        sa.Column("announce_channel", sa.String(length=32), nullable=True),
        sa.Column("announce_ts", sa.String(length=32), nullable=True),
        sa.Column("share_token", sa.String(length=64), nullable=True),
        sa.Column("share_created_at", UTC_TIME, nullable=True),
        sa.Column("share_created_by", sa.String(length=32), nullable=True),
        sa.Column("share_revoked_at", UTC_TIME, nullable=True),
        sa.Column("share_revoked_by", sa.String(length=32), nullable=True),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("claimed_at", UTC_TIME, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["postmortem_id"], ["postmortems.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("postmortem_id"),
        sa.UniqueConstraint("share_token", name="uq_report_share_token"),
    )


def downgrade() -> None:
    op.drop_table("reports")
