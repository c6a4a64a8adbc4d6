"""The published Slack and PagerDuty payloads the tests replay, kept in `tests/fixtures/`.

Each file's origin (repository, path, commit, what was done to it) is in
`tests/fixtures/SOURCES.md`; `test_fixtures.py` keeps that list and the folder equal.
Several files are byte-exact (signatures are computed over them): read them as bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def path(name: str) -> Path:
    found = FIXTURES / name
    if not found.is_file():
        raise FileNotFoundError(f"no published payload {name!r} in {FIXTURES}")
    return found


def read_bytes(name: str) -> bytes:
    return path(name).read_bytes()


def read_text(name: str) -> str:
    return path(name).read_text(encoding="utf-8")


def read_json(name: str) -> Any:
    return json.loads(read_bytes(name))
