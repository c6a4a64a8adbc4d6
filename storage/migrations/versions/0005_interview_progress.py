"""interview progress: the why-level asked, who chose a factor's kind, an item's answer

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("depth", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("factors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind_chosen_by", sa.String(length=32), nullable=True))

    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_action_items_answer_id", "answers", ["answer_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_constraint("fk_action_items_answer_id", type_="foreignkey")
        batch_op.drop_column("answer_id")

    with op.batch_alter_table("factors", schema=None) as batch_op:
        batch_op.drop_column("kind_chosen_by")

    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_column("depth")
