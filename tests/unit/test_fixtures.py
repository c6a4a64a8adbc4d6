"""The repository carries every published payload its tests replay, and says where each came from."""

from __future__ import annotations

import re
from pathlib import Path

from tests import published

REPO = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".j2", ".txt", ".cfg", ".ini", ""}


def _sources_table() -> set[str]:
    table = published.read_text("SOURCES.md")
    return set(re.findall(r"^\| ([^|\s]+\.(?:json|txt)) \|", table, flags=re.MULTILINE))


def test_every_fixture_file_is_listed_in_sources_and_every_listed_file_exists() -> None:
    on_disk = {p.name for p in published.FIXTURES.iterdir() if p.name != "SOURCES.md"}
    assert on_disk == _sources_table()


def test_the_signature_vectors_name_files_that_are_kept_byte_for_byte() -> None:
    vectors = published.read_json("pagerduty_v3_signature_vectors.json")
    vectors.append(published.read_json("slack_signature_vector.json"))
    for vector in vectors:
        assert published.read_bytes(vector["body_file"]), vector["body_file"]


def _repo_files() -> list[Path]:
    files = []
    for path in REPO.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(REPO).parts):
            continue
        if path.is_file() and path.suffix in TEXT_SUFFIXES and path.stat().st_size < 1_000_000:
            files.append(path)
    return files


def test_nothing_in_the_repository_reads_a_folder_beside_it() -> None:
    """A user's clone has nothing beside it; `.ci/run` proves it by running in a bare copy."""
    outside = re.compile(r"\.\./shared|/work/shared|POSTMORTEM_FIXTURES")
    this_file = Path(__file__).resolve()
    offenders = [
        str(path.relative_to(REPO))
        for path in _repo_files()
        if path != this_file and outside.search(path.read_text(errors="replace"))
    ]
    assert offenders == []
