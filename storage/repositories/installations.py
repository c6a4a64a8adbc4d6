"""Workspaces' installs of the app (OAuth mode). Functions take a Session and never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import SlackInstallation


def install_id(enterprise_id: str | None, team_id: str | None, org_wide: bool) -> str | None:
    """The row key: the team, or the enterprise for an org-wide install (or no team)."""
    return enterprise_id if org_wide or team_id is None else team_id


def get(session: Session, key: str) -> SlackInstallation | None:
    return session.get(SlackInstallation, key)


def save(session: Session, values: dict[str, Any]) -> None:
    """Insert or replace the row of `values["install_id"]`; two racing installs both succeed,
    the later one wins."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    changed = {name: value for name, value in values.items() if name != "install_id"}
    statement = insert(SlackInstallation).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=["install_id"], set_=changed))


def remove(session: Session, key: str) -> bool:
    """Forget an install; False if there was none."""
    result = session.execute(delete(SlackInstallation).where(SlackInstallation.install_id == key))
    return bool(result.rowcount)
