"""follow-up: reminder claims, cached timezones, publication and review of a post-mortem

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column("followup_review_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("review_confirmed_at", UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column("review_confirmed_by", sa.String(length=32), nullable=True))

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("postmortem_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("claimed_at", UTC_TIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=False),
        sa.Column("sent_at", UTC_TIME, nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["postmortem_id"], ["postmortems.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "kind", "subject", "period", name="uq_reminder"),
    )
    op.create_index(
        "ix_reminders_postmortem_kind", "reminders", ["postmortem_id", "kind"], unique=False
    )
    op.create_table(
        "user_timezones",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("user_timezones")
    op.drop_index("ix_reminders_postmortem_kind", table_name="reminders")
    op.drop_table("reminders")
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        batch_op.drop_column("review_confirmed_by")
        batch_op.drop_column("review_confirmed_at")
        batch_op.drop_column("followup_review_on")
        batch_op.drop_column("published_at")
