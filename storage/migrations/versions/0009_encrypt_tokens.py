"""encrypt tokens: the Slack tokens of OAuth installs are kept encrypted (Fernet)

The columns become Text (an encrypted token is longer than the token) and every
plain-text token is encrypted with the newest key of TOKEN_ENCRYPTION_KEY. The key
comes from the caller (`postmortem-bot migrate` and `serve --migrate` pass the
setting, .env included) or else from the TOKEN_ENCRYPTION_KEY environment
variable. A database with plain tokens and no key stops the migration, and nothing
is changed; a database without installs needs no key. Downgrading decrypts them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import os
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from bot.errors import ConfigError
from storage.secrets import GENERATE_KEY, SETTING, TokenCipher, is_encrypted

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"bot_token": False, "bot_refresh_token": True}  # name: nullable
installs = sa.table(
    "slack_installations",
    sa.column("install_id", sa.String),
    *(sa.column(name, sa.Text) for name in COLUMNS),
)


def upgrade() -> None:
    _set_types(sa.Text(), sa.String(length=200))
    _rewrite(
        lambda value: not is_encrypted(value),
        lambda cipher, value: cipher.encrypt(value),
        verb="encrypts",
    )


def downgrade() -> None:
    _rewrite(
        is_encrypted,
        lambda cipher, value: cipher.decrypt(value, what="token"),
        verb="decrypts",
    )
    _set_types(sa.String(length=200), sa.Text())


def _set_types(new: sa.types.TypeEngine, old: sa.types.TypeEngine) -> None:
    with op.batch_alter_table("slack_installations") as batch:
        for name, nullable in COLUMNS.items():
            batch.alter_column(name, type_=new, existing_type=old, existing_nullable=nullable)


def _rewrite(
    needs: Callable[[str], bool], change: Callable[[TokenCipher, str], str], *, verb: str
) -> None:
    """Apply `change` to every stored token for which `needs` holds."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(installs)).mappings().all()
    todo = [row for row in rows if any(row[n] is not None and needs(row[n]) for n in COLUMNS)]
    if not todo:
        return
    cipher = _cipher(len(todo), verb)
    for row in todo:
        values = {
            name: change(cipher, row[name])
            for name in COLUMNS
            if row[name] is not None and needs(row[name])
        }
        where = installs.c.install_id == row["install_id"]
        connection.execute(sa.update(installs).where(where).values(**values))


def _cipher(count: int, verb: str) -> TokenCipher:
    value = context.config.attributes.get("token_encryption_key") or os.environ.get(SETTING, "")
    if not value.strip():
        raise ConfigError(
            SETTING,
            f"{count} installation(s) keep their Slack tokens in this database and migration "
            f"0009 {verb} them: set {SETTING} (make a key with {GENERATE_KEY}) and migrate again",
        )
    try:
        return TokenCipher.from_setting(value)
    except ValueError as error:
        raise ConfigError(SETTING, str(error)) from None
