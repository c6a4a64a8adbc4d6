"""inbox: every request answered 2xx, kept until a worker has processed it

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("delivery_key", sa.String(length=128), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("handler", sa.String(length=64), nullable=False),
        sa.Column("order_key", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", UTC_TIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("done_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "delivery_key", name="uq_inbox_delivery"),
    )
    op.create_index("ix_inbox_status_available", "inbox", ["status", "available_at"])
    op.create_index("ix_inbox_status_lease", "inbox", ["status", "lease_until"])
    op.create_index("ix_inbox_order_key", "inbox", ["order_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_order_key", table_name="inbox")
    op.drop_index("ix_inbox_status_lease", table_name="inbox")
    op.drop_index("ix_inbox_status_available", table_name="inbox")
    op.drop_table("inbox")
