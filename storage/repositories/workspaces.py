"""Queries for workspaces. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import Workspace


def ensure(session: Session, team_id: str) -> Workspace:
    """The workspace row for `team_id`, created on first sight."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        workspace = Workspace(team_id=team_id)
        session.add(workspace)
        session.flush()
    return workspace
