"""Queries for workspaces. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import Workspace
from storage.upsert import insert_ignoring_conflicts


def ensure(session: Session, team_id: str) -> Workspace:
    """The workspace row for `team_id`, created on first sight.

    Many first requests from a new workspace arrive at once; an insert that
    ignores the conflict lets every one of them go on with the same row.
    """
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        session.execute(insert_ignoring_conflicts(session, Workspace, team_id=team_id))
        workspace = session.get(Workspace, team_id)
    assert workspace is not None
    return workspace
