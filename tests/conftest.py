"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL says where)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import schema
from storage.db import make_engine, make_sessionmaker
from tests import published

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fixtures() -> Path:
    """The folder of published Slack and PagerDuty payloads (see `tests/published.py`)."""
    return published.FIXTURES


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
    with schema.scratch_postgres_schema(base) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)
