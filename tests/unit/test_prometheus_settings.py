"""PROMETHEUS_URL, PROMETHEUS_QUERIES and GRAFANA_URL as an operator sets them: read and
checked at start, one line naming the setting when wrong, and the client built with the
charts to draw, its calls going through the transport the tests give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.clients import build_clients
from bot.config import Settings
from bot.errors import ConfigError
from tests import published

CHARTS = "[[query]]\nname = 'Errors'\nexpr = 'errors_ratio'\n"


def _environ(**values: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": "xoxb-1", **values}


def test_the_settings_are_read(tmp_path: Path) -> None:
    charts = tmp_path / "queries.toml"
    charts.write_text(CHARTS)
    settings = Settings.from_env(
        _environ(
            PROMETHEUS_URL="http://prometheus:9090/",
            PROMETHEUS_QUERIES=str(charts),
            GRAFANA_URL="https://grafana.example",
        )
    )
    assert settings.prometheus_url == "http://prometheus:9090"
    assert settings.prometheus_queries == charts
    assert settings.grafana_url == "https://grafana.example"
    assert Settings.from_env(_environ()).prometheus_url is None


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"PROMETHEUS_URL": "prometheus:9090"}, "PROMETHEUS_URL: 'prometheus:9090' is not an http"),
        ({"GRAFANA_URL": "grafana"}, "GRAFANA_URL"),
        ({"PROMETHEUS_QUERIES": "/nonexistent/q.toml"}, "PROMETHEUS_QUERIES: '/nonexistent"),
    ],
)
def test_a_wrong_value_names_its_setting(values: dict[str, str], said: str) -> None:
    with pytest.raises(ConfigError, match=said):
        Settings.from_env(_environ(**values))


def test_the_client_is_built_with_the_charts_and_the_transport(tmp_path: Path) -> None:
    charts = tmp_path / "queries.toml"
    charts.write_text(CHARTS)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json=published.read_json("prometheus_query_range.up.prometheus-docs.json")
        )

    settings = Settings(prometheus_url="http://prometheus:9090", prometheus_queries=charts)
    clients = build_clients(settings, transport=httpx.MockTransport(answer))
    assert clients.prometheus is not None
    assert [q.name for q in clients.prometheus.queries.queries] == ["Errors"]
    moment = datetime(2015, 7, 1, 20, 10, 30, tzinfo=UTC)
    clients.prometheus.query_range("up", moment, moment, timedelta(seconds=15))
    assert str(seen[0].url).startswith("http://prometheus:9090/api/v1/query_range?")
    clients.close()
    assert build_clients(Settings(prometheus_queries=charts)).prometheus is None


def test_a_mistake_in_the_charts_stops_the_clients_being_built(tmp_path: Path) -> None:
    charts = tmp_path / "queries.toml"
    charts.write_text("[[query]]\nname = 'Errors'\n")
    settings = Settings(prometheus_url="http://prometheus:9090", prometheus_queries=charts)
    with pytest.raises(ConfigError, match="query 'Errors' needs an `expr`"):
        build_clients(settings)


def test_a_mistake_in_the_charts_stops_the_start_before_prometheus_url_is_set(
    tmp_path: Path,
) -> None:
    """The charts written first, PROMETHEUS_URL set later: the mistake is said now, not
    the day Prometheus is connected."""
    charts = tmp_path / "queries.toml"
    charts.write_text("[[query]]\nname = 'Errors'\n")
    with pytest.raises(ConfigError, match="query 'Errors' needs an `expr`"):
        build_clients(Settings(prometheus_queries=charts))
