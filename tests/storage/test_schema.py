"""The schema is made by migrations, and `serve` refuses a database that is behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from bot.errors import SchemaBehind
from storage import schema
from storage.db import make_engine


def test_a_migrated_database_is_at_head_and_has_every_table(engine: Engine) -> None:
    assert schema.current_revision(engine) == schema.head_revision()
    schema.ensure_current(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "workspaces",
        "postmortems",
        "timeline_events",
        "deliveries",
        "pagerduty_events",
    } <= tables


def test_an_empty_database_is_refused_with_the_command_that_fixes_it(tmp_path: Path) -> None:
    empty = make_engine(f"sqlite:///{tmp_path}/empty.db")
    with pytest.raises(SchemaBehind, match="postmortem-bot migrate"):
        schema.ensure_current(empty)


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    head = schema.head_revision()
    assert schema.upgrade(engine) == (head, head)
