"""PROMETHEUS_QUERIES as an operator writes it, and how a post-mortem's service narrows
the charts and the ALERTS history."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.metrics import Series
from bot.errors import ConfigError
from bot.prometheus import queries

TOML = """
service_label = "app"

[[query]]
name = "Error ratio"
expr = 'sum by (app) (rate(http_errors_total[5m]))'
unit = "%"
labels = { app = "{service}", env = "prod" }

[[query]]
name = "Latency p99"
expr = 'histogram_quantile(0.99, rate(http_seconds_bucket[5m]))'
"""


def test_the_file_gives_the_charts_in_order_with_units_labels_and_service_label(
    tmp_path: Path,
) -> None:
    path = tmp_path / "queries.toml"
    path.write_text(TOML)
    catalog = queries.load(path)
    assert [q.name for q in catalog.queries] == ["Error ratio", "Latency p99"]
    assert catalog.queries[0].unit == "%" and catalog.queries[1].unit is None
    assert catalog.queries[0].labels == {"app": "{service}", "env": "prod"}
    assert catalog.service_label == "app"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[[query]]\nexpr = 'up'\n", "needs a `name`"),
        ("[[query]]\nname = 'Up'\n", "needs an `expr`"),
        ("[[query]]\nname = 'Up'\nexpr = 'up'\nlabels = { a = 1 }\n", "`labels` should map"),
        ("[[query]]\nname='A'\nexpr='up'\n[[query]]\nname='A'\nexpr='up'\n", "share a name"),
        ("query = 'up'\n", "list of [[query]] tables"),
        ("[[query]\n", "is not TOML"),
        ("service_label = 'sérvice'\n", "`service_label` should be a label name"),
        ("service_label = 'app-name'\n", "(letters, digits, _: 'app-name')"),
    ],
)
def test_a_mistake_in_the_file_stops_the_start_naming_the_setting(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "queries.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="PROMETHEUS_QUERIES") as raised:
        queries.load(path)
    assert said in str(raised.value)


def test_a_file_saved_in_another_encoding_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "queries.toml"
    path.write_text("[[query]]\nname = 'Fehlerquote für checkout'\nexpr = 'up'\n", "latin-1")
    with pytest.raises(ConfigError, match="PROMETHEUS_QUERIES") as raised:
        queries.load(path)
    assert "is not UTF-8 text (byte 31), as TOML must be" in str(raised.value)


def test_a_missing_file_is_said() -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        queries.load(Path("/nonexistent/queries.toml"))


def _series(**labels: str) -> Series:
    return Series(labels=tuple(sorted(labels.items())), points=())


def test_the_service_fills_the_placeholder_and_keeps_only_its_series() -> None:
    labels = {"app": "{service}", "env": "prod"}
    answered = (_series(app="checkout", env="prod"), _series(app="search", env="prod"))

    wanted = queries.selector(labels, "checkout")
    assert wanted == {"app": "checkout", "env": "prod"}
    assert queries.keep(answered, wanted) == answered[:1]


def test_without_a_service_the_labels_that_name_it_are_not_applied() -> None:
    labels = {"app": "{service}", "env": "prod"}
    answered = (_series(app="checkout", env="prod"), _series(app="search", env="dev"))
    wanted = queries.selector(labels, None)
    assert wanted == {"env": "prod"}
    assert queries.keep(answered, wanted) == answered[:1]


def test_alerts_are_narrowed_by_the_service_label() -> None:
    catalog = queries.parse({"service_label": "app"})
    assert queries.alerts_expr(catalog, None) == 'ALERTS{alertstate="firing"}'
    assert queries.alerts_expr(catalog, "checkout") == 'ALERTS{alertstate="firing",app="checkout"}'
