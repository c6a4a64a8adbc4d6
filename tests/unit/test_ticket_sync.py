"""The periodic sync's reading of a ticket's page: which tracker to ask, about what."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.flows.ticket_sync import Asked, asked_of

SETTINGS = Settings(jira_url="https://acme.atlassian.example")


def test_a_jira_browse_link_is_asked_of_jira_in_its_project() -> None:
    url = "https://acme.atlassian.example/browse/OPS-12"
    assert asked_of(url, SETTINGS) == Asked("jira", "OPS")


def test_a_github_issue_page_is_asked_of_github_in_its_repository() -> None:
    url = "https://github.com/acme/checkout/issues/7"
    assert asked_of(url, SETTINGS) == Asked("github", "acme/checkout")


def test_a_page_of_neither_is_asked_of_nobody() -> None:
    assert asked_of("https://example.com/tickets/7", SETTINGS) is None
    assert asked_of("https://other.atlassian.example/browse/OPS-1", Settings()) is None


def test_tracker_sync_minutes_is_read_with_0_for_never() -> None:
    assert Settings.from_env({"TRACKER_SYNC_MINUTES": "0"}, env_file="").tracker_sync_minutes == 0
    assert Settings.from_env({}, env_file="").tracker_sync_minutes == 30
    with pytest.raises(ConfigError, match="TRACKER_SYNC_MINUTES"):
        Settings.from_env({"TRACKER_SYNC_MINUTES": "soon"}, env_file="")
