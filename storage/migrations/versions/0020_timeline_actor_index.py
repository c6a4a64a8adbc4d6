"""timeline actor index: the post-mortems a person spoke in, for their App Home

The Home lists the post-mortems a person took part in, speaking in the timeline among
them; without this index that test reads every line of the workspace's timelines
(bench/app_home.py: 59 ms a Home at 300,000 lines on SQLite, 22 ms with it).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_timeline_team_actor", "timeline_events", ["team_id", "actor"])


def downgrade() -> None:
    op.drop_index("ix_timeline_team_actor", table_name="timeline_events")
