"""Migrations, run from code: `postmortem-bot migrate` and the start-up check of `serve`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.errors import SchemaBehind
from storage.db import check_connection, make_engine, missing_sqlite_file

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(
    engine: Engine, *, token_encryption_key: str | None = None
) -> tuple[str | None, str | None]:
    """Bring the schema to head; returns (revision before, revision after).

    `token_encryption_key` (the TOKEN_ENCRYPTION_KEY setting) is for migration 0009,
    which encrypts stored Slack tokens; without it, that migration reads the
    environment variable.
    """
    check_connection(engine)
    before = current_revision(engine)
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        config.attributes["token_encryption_key"] = token_encryption_key
        command.upgrade(config, "head")
    return before, current_revision(engine)


def revise(engine: Engine, message: str) -> None:
    """Autogenerate a new revision from the models (for maintainers)."""
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


def ensure_current(engine: Engine) -> None:
    """Raise SchemaBehind unless the schema is at head; a SQLite file that does not exist
    yet is reported, not created (a refused `serve` leaves no empty database behind)."""
    missing = missing_sqlite_file(engine.url)
    if missing is not None:
        raise SchemaBehind(
            f"database file {missing} does not exist yet: run `postmortem-bot migrate` first"
        )
    check_connection(engine)
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaBehind(
            f"database schema is at {current or 'nothing'}, code needs {head}: "
            "run `postmortem-bot migrate`"
        )


@contextmanager
def scratch_postgres_schema(base_url: str, prefix: str = "t") -> Iterator[str]:
    """A migrated PostgreSQL schema of its own, dropped afterwards; yields its URL.

    Tests and benchmarks share one server without sharing tables: the URL sets
    the connection's search_path to the new schema.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={name}"})
    url_text = url.render_as_string(hide_password=False)
    upgrade(make_engine(url_text))
    try:
        yield url_text
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
