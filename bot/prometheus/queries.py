"""PROMETHEUS_QUERIES: the charts a report draws, from a TOML file, and how a
post-mortem's service narrows them.

    service_label = "service"          # optional: the label that names a service

    [[query]]
    name = "Checkout error ratio"
    expr = 'sum by (service) (rate(http_requests_errors_total[5m]))'
    unit = "%"                          # optional
    labels = { service = "{service}" }  # optional: keep only the series with these labels

`labels` are matched against the series Prometheus answers (so the query must keep them,
`sum by (service) (…)`); `{service}` in a value is the post-mortem's service
(`/postmortem service NAME`), and a label that names it is not applied while the
post-mortem names none. The ALERTS history is narrowed the same way, by `service_label`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.metrics import Query, Series
from bot.errors import ConfigError

SETTING = "PROMETHEUS_QUERIES"
PLACEHOLDER = "{service}"
DEFAULT_SERVICE_LABEL = "service"
ALERTS = "ALERTS"
MAX_QUERIES = 20
# Prometheus' label names: ASCII only (`str.isidentifier` would take "sérvice", which
# Prometheus refuses as a parse error in the ALERTS query at every fetch).
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Catalog:
    """The configured charts, in the file's order, and the label that names a service."""

    queries: tuple[Query, ...] = ()
    service_label: str = DEFAULT_SERVICE_LABEL


def load(path: Path | None) -> Catalog:
    """The catalog in `path` (none configured: no charts, ALERTS still read)."""
    if path is None:
        return Catalog()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(SETTING, f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:  # TOML is UTF-8; a file saved in Latin-1, UTF-16…
        raise ConfigError(
            SETTING, f"{path} is not UTF-8 text (byte {error.start}), as TOML must be"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(SETTING, f"{path} is not TOML: {error}") from None
    return parse(document, where=str(path))


def parse(document: Mapping[str, Any], *, where: str = SETTING) -> Catalog:
    raw = document.get("query", [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(SETTING, f"{where}: `query` should be a list of [[query]] tables")
    if len(raw) > MAX_QUERIES:
        raise ConfigError(SETTING, f"{where}: at most {MAX_QUERIES} charts, not {len(raw)}")
    queries = tuple(_query(item, index, where) for index, item in enumerate(raw, start=1))
    names = [query.name for query in queries]
    if len(set(names)) != len(names):
        raise ConfigError(SETTING, f"{where}: two charts share a name")
    label = document.get("service_label", DEFAULT_SERVICE_LABEL)
    if not isinstance(label, str) or not _LABEL_NAME.fullmatch(label):
        raise ConfigError(
            SETTING,
            f"{where}: `service_label` should be a label name (letters, digits, _: {label!r:.40})",
        )
    return Catalog(queries=queries, service_label=label)


def _query(item: Mapping[str, Any], index: int, where: str) -> Query:
    name, expr, unit = item.get("name"), item.get("expr"), item.get("unit")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ConfigError(
            SETTING, f"{where}: query {index} needs a `name` (at most 100 characters)"
        )
    if not isinstance(expr, str) or not expr.strip():
        raise ConfigError(SETTING, f"{where}: query {name!r} needs an `expr`")
    if unit is not None and not isinstance(unit, str):
        raise ConfigError(SETTING, f"{where}: query {name!r}: `unit` should be text")
    labels = item.get("labels", {})
    if not isinstance(labels, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
    ):
        raise ConfigError(SETTING, f"{where}: query {name!r}: `labels` should map names to text")
    return Query(name=name.strip(), expr=expr.strip(), unit=unit, labels=dict(labels))


def selector(labels: Mapping[str, str], service: str | None) -> dict[str, str]:
    """`labels` for a post-mortem: `{service}` replaced by its service, or, when it names
    none, the labels that mention `{service}` left out."""
    if service is None:
        return {name: value for name, value in labels.items() if PLACEHOLDER not in value}
    return {name: value.replace(PLACEHOLDER, service) for name, value in labels.items()}


def keep(series: tuple[Series, ...], wanted: Mapping[str, str]) -> tuple[Series, ...]:
    """The series whose labels carry every wanted value."""
    return tuple(s for s in series if all(dict(s.labels).get(k) == v for k, v in wanted.items()))


def alerts_expr(catalog: Catalog, service: str | None) -> str:
    """`ALERTS{alertstate="firing"}`, narrowed to the service when the post-mortem names one."""
    matchers = {"alertstate": "firing"}
    if service is not None:
        matchers[catalog.service_label] = service
    inside = ",".join(f'{name}="{_escaped(value)}"' for name, value in matchers.items())
    return f"{ALERTS}{{{inside}}}"


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
