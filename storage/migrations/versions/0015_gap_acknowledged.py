"""timeline gaps a person acknowledged (a message removed on purpose): who, when

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_gaps") as batch:
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("acknowledged_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("timeline_gaps") as batch:
        batch.drop_column("acknowledged_at")
        batch.drop_column("acknowledged_by")
