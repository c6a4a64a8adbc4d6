"""bot token refusals: single-workspace jobs stop once Slack refused SLACK_BOT_TOKEN

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_token_refusals",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("refused_at", storage.models.UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bot_token_refusals")
