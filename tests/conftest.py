"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL says where)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage import schema
from storage.db import make_engine, make_sessionmaker

REPO = Path(__file__).resolve().parents[1]


def fixtures_dir() -> Path:
    """The real Slack and PagerDuty payloads kept beside the repository (see SOURCES.md)."""
    return Path(os.environ.get("POSTMORTEM_FIXTURES", REPO.parent / "shared" / "fixtures"))


@pytest.fixture
def fixtures() -> Path:
    path = fixtures_dir()
    if not path.is_dir():
        pytest.fail(f"fixtures not found at {path}; set POSTMORTEM_FIXTURES")
    return path


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url is None and os.environ.get("CI") == "true":
        pytest.fail("CI=true needs TEST_DATABASE_URL: PostgreSQL tests may not be skipped")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database of each kind; PostgreSQL gets a schema of its own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/test.db"
        schema.upgrade(make_engine(url))
        yield url
        return
    base = _postgres_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    yield from _postgres_schema(base)


def _postgres_schema(base: str) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
    url_text = url.render_as_string(hide_password=False)
    schema.upgrade(make_engine(url_text))
    try:
        yield url_text
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)
