"""the service a post-mortem is about (`/postmortem service NAME`): narrows metrics and alerts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("postmortems") as batch:
        batch.add_column(sa.Column("service", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("postmortems") as batch:
        batch.drop_column("service")
