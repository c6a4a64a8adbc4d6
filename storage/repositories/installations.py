"""Workspaces' installs of the app (OAuth mode). Functions take a Session and never commit.

The tokens are encrypted at rest: `save` encrypts the columns in `SECRET_COLUMNS`
with the `TokenCipher` it is given, `get` decrypts them, and the raw column only
ever holds `fernet:…` (see `storage.secrets`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import SlackInstallation
from storage.secrets import TokenCipher, is_encrypted
from storage.upsert import insert_or_update

logger = logging.getLogger(__name__)

# Every column holding a credential; the app asks for no user scopes, so no user tokens.
SECRET_COLUMNS = ("bot_token", "bot_refresh_token")


def install_id(enterprise_id: str | None, team_id: str | None, org_wide: bool) -> str | None:
    """The row key: the team, or the enterprise for an org-wide install (or no team)."""
    return enterprise_id if org_wide or team_id is None else team_id


def get(session: Session, key: str, cipher: TokenCipher) -> dict[str, Any] | None:
    """The install's columns by name, its tokens decrypted; None if there is none.

    Raises UnreadableSecret when a token does not decrypt with any of the cipher's keys.
    """
    row = session.get(SlackInstallation, key)
    if row is None:
        return None
    values = {column.key: getattr(row, column.key) for column in inspect(SlackInstallation).columns}
    for name in SECRET_COLUMNS:
        values[name] = _reveal(cipher, values[name], f"{name} of installation {key}")
    return values


def save(session: Session, values: dict[str, Any], cipher: TokenCipher) -> None:
    """Insert or replace the row of `values["install_id"]`, its tokens encrypted; two
    racing installs both succeed, the later one wins."""
    values = {**values, **_hidden(values, cipher)}
    changed = {name: value for name, value in values.items() if name != "install_id"}
    statement = insert_or_update(
        session, SlackInstallation, index_elements=("install_id",), set_=changed, **values
    )
    session.execute(statement)


def remove(session: Session, key: str, *, installed_before: datetime | None = None) -> bool:
    """Forget an install (only one made before `installed_before`, when given); False if
    there was none to forget."""
    gone = delete(SlackInstallation).where(SlackInstallation.install_id == key)
    if installed_before is not None:
        gone = gone.where(SlackInstallation.installed_at < installed_before)
    return bool(changed_rows(session, gone))


def remove_if_token(session: Session, key: str, token: str, cipher: TokenCipher) -> bool:
    """Forget the install `key` if its bot token is still `token` (the one Slack refused);
    False when there is none or a reinstall has replaced the token since. The row is
    locked first (FOR UPDATE on PostgreSQL), so a reinstall racing this is not lost."""
    query = select(SlackInstallation).where(SlackInstallation.install_id == key)
    row = session.scalars(query.with_for_update()).first()
    if row is None or _reveal(cipher, row.bot_token, f"bot_token of installation {key}") != token:
        return False
    return remove(session, key)


def installed_since(session: Session, key: str, moment: datetime) -> bool:
    """Whether the install `key` was made at or after `moment` (a reinstall since then)."""
    query = select(SlackInstallation.install_id).where(
        SlackInstallation.install_id == key, SlackInstallation.installed_at >= moment
    )
    return session.scalar(query) is not None


def reencrypt_all(session: Session, cipher: TokenCipher) -> int:
    """Re-encrypt every stored token with the cipher's newest key (plain-text ones left by
    an older version too); returns how many tokens were rewritten.

    The rows are locked (FOR UPDATE on PostgreSQL; SQLite's write lock is already
    held), so a reinstall at the same moment is not overwritten with the old token.
    """
    rows = session.scalars(select(SlackInstallation).with_for_update()).all()
    count = 0
    for row in rows:
        for name in SECRET_COLUMNS:
            stored = getattr(row, name)
            if stored is not None:
                what = f"{name} of installation {row.install_id}"
                setattr(row, name, cipher.rotate(stored, what=what))
                count += 1
    session.flush()
    return count


def _hidden(values: dict[str, Any], cipher: TokenCipher) -> dict[str, str]:
    return {
        name: cipher.encrypt(values[name])
        for name in SECRET_COLUMNS
        if values.get(name) is not None
    }


def _reveal(cipher: TokenCipher, stored: str | None, what: str) -> str | None:
    if stored is None:
        return None
    if not is_encrypted(stored):
        # Written in plain text by an older version still running during an upgrade.
        logger.warning(
            "the %s is stored in plain text: run `postmortem-bot rotate-token-key`", what
        )
        return stored
    return cipher.decrypt(stored, what=what)


def has_team(session: Session, team_id: str) -> bool:
    """Whether the workspace `team_id` has installed the app (OAuth mode)."""
    query = select(SlackInstallation.install_id).where(SlackInstallation.team_id == team_id)
    return session.scalar(query.limit(1)) is not None


def installed_teams(session: Session) -> list[str]:
    """The team of every workspace install (org-wide ones have none of their own), oldest
    install first: the follow-up jobs' round of workspaces, each one's token read just
    before its turn (`get`), so an uninstall stops it at once."""
    query = (
        select(SlackInstallation.team_id)
        .where(
            SlackInstallation.team_id.is_not(None),
            SlackInstallation.is_enterprise_install.is_(False),
        )
        .order_by(SlackInstallation.installed_at, SlackInstallation.install_id)
    )
    return [str(team) for team in session.scalars(query)]
