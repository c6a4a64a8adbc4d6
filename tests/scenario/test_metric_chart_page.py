"""The incident's metrics as a reader sees them: a REAL Prometheus (Debian's) holds the seeded
incident's samples (2026-11-24: checkout's error rate up 13:52–14:20, payments' briefly),
Alice publishes, and

- the thread gets one PNG of the charts per publish (a real PNG, found again rather than
  posted twice), beside the Markdown report whose table gives min / max / the value at
  each milestone;
- the shared page, in headless Chromium with no script, draws the chart inline: two lines,
  the milestones as labelled lines whose labels do not collide, value and time ticks, a
  legend, "Open in Grafana" on the window; a query with no data says so in words.

The screenshot is kept in /tmp/metric-chart-page.png, Slack's picture in
/tmp/metric-chart-slack.png, for a person to look at.
Needs Debian's chromium and prometheus; skipped without them unless CI=true.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, free_port, running_bot
from bot.sandbox.driver import Driver
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.prometheus_server import (
    Family,
    PrometheusProcess,
    openmetrics,
    running_prometheus,
)
from tests.scenario.report_seed import ALICE, seed_postmortem
from tests.scenario.test_crash_posts import (
    WAIT,
    _drained,
    _kill_while_held,
    _report,
    _report_files,
    _summaries,
)
from tests.scenario.test_durable import _driver, db
from tests.scenario.test_report import summaries
from tests.scenario.test_report_page import _overlap, chromium, seeded_page

__all__ = ["chromium", "db"]  # fixtures shared with the report page's and durable tests

DAY = datetime(2026, 11, 24, tzinfo=UTC)
GRAFANA = "https://grafana.example.com"
QUERIES = """
[[query]]
name = "Error rate"
expr = 'http_requests_errors_ratio * 100'
unit = "%"

[[query]]
name = "Checkout p99 latency"
expr = 'http_request_duration_p99_seconds'
unit = "s"
"""
SCREENSHOT = Path("/tmp/metric-chart-page.png")
SLACK_IMAGE = Path("/tmp/metric-chart-slack.png")


def at(hour: int, minute: int) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def _during(
    first: datetime, last: datetime, high: float, low: float
) -> Callable[[datetime], float]:
    return lambda moment: high if first <= moment <= last else low


def incident_samples() -> str:
    errors = Family(
        "http_requests_errors_ratio",
        (
            ({"service": "checkout"}, _during(at(13, 52), at(14, 20), 0.18, 0.004)),
            ({"service": "payments"}, _during(at(14, 0), at(14, 12), 0.06, 0.002)),
        ),
    )
    return openmetrics([errors], at(12, 0), at(16, 0))


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[PrometheusProcess]:
    with running_prometheus(incident_samples(), tmp_path / "prometheus") as server:
        yield server


@pytest.fixture
def settings(prometheus: PrometheusProcess, tmp_path: Path) -> dict[str, str]:
    queries = tmp_path / "queries.toml"
    queries.write_text(QUERIES)
    return {
        "PROMETHEUS_URL": prometheus.url,
        "PROMETHEUS_QUERIES": str(queries),
        "GRAFANA_URL": GRAFANA,
        "INBOX_WORKERS": "1",
    }


@pytest.fixture
def charted(sandbox: Sandbox, settings: dict[str, str]) -> Iterator[BotProcess]:
    with running_bot(sandbox, extra_env=settings) as bot:
        yield bot


@pytest.fixture
def alice(charted: BotProcess, sandbox: Sandbox) -> Iterator[Driver]:
    with Driver(charted.url, charted.signing_secret, sandbox) as driver:
        yield driver


def pictures(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [f for f in sandbox.slack.files if f["filename"].endswith(".png")]


def published(sandbox: Sandbox, alice: Driver, count: int) -> list[dict[str, Any]]:
    alice.slash_command(ALICE, CHANNEL, "publish")
    reports = sandbox.wait_for(
        lambda: [f for f in sandbox.slack.files if f["filename"].endswith(".md")][count - 1 :],
        timeout=60,
    )
    assert reports
    return sandbox.wait_for(lambda: pictures(sandbox)[count - 1 :], timeout=30)


DRAWN = """() => {
  const box = e => { const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent}; };
  const charts = [...document.querySelectorAll("svg.metric-chart")];
  const first = charts[0];
  return {
    charts: charts.length,
    width: first.getBoundingClientRect().width,
    lines: first.querySelectorAll("path.series").length,
    labels: [...first.querySelectorAll("text.metric-milestone-label")].map(box),
    plotTop: Math.min(...[...first.querySelectorAll("path.series")].map(p => box(p).top)),
    values: [...first.querySelectorAll("text.value-tick")].map(e => e.textContent),
    times: [...first.querySelectorAll("text.time-tick")].map(e => e.textContent),
    legend: [...first.querySelectorAll("g.legend-entry text")].map(e => e.textContent),
    nothing: [...document.querySelectorAll("text.metric-nothing")].map(e => e.textContent),
    band: box(first.querySelector("rect.incident-band")),
    milestoneLines: [...first.querySelectorAll("line.metric-milestone")].map(box),
    grafana: [...document.querySelectorAll("figure.metric a")].map(a => a.href),
    rows: [...document.querySelectorAll("table.metric-summary tbody tr")].map(r => r.innerText),
  };
}"""


def test_a_published_report_draws_the_incidents_metrics_in_slack_and_on_the_page(
    sandbox: Sandbox, charted: BotProcess, alice: Driver, chromium: Any, tmp_path: Path
) -> None:
    url = seeded_page(sandbox, charted, alice, lambda sessions, postmortem_id: None)

    first = published(sandbox, alice, 1)
    assert len(first) == 1, "one picture for the charts that have something to draw"
    image = first[0]
    assert image["content"].startswith(b"\x89PNG\r\n\x1a\n") and len(image["content"]) > 20_000
    SLACK_IMAGE.write_bytes(image["content"])
    assert image["thread_ts"] == summaries(sandbox)[0]["ts"], "in the summary's thread"
    assert image["initial_comment"] == "Metrics over the incident window (publish #1)"
    assert image["alt_txt"].startswith("Error rate (%), 2026-11-24 ")
    assert '{service="checkout"} 0.4% to 18%' in image["alt_txt"], "a screen reader hears it"
    markdown = [f for f in sandbox.slack.files if f["filename"].endswith(".md")][-1]
    table = markdown["content"].decode()
    assert "| Series | Min | Max | At detected" in table
    assert '| \\{service="checkout"\\} | 0.4% | 18% |' in table
    assert "_Nothing to draw: " in table, "the latency query found nothing, and says so"

    second = published(sandbox, alice, 2)
    assert [p["initial_comment"] for p in second] == [
        "Metrics over the incident window (publish #2)"
    ]
    assert len(pictures(sandbox)) == 2, "one picture per publish"

    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 900}
    )
    page = context.new_page()
    assert page.goto(url).status == 200
    drawn = page.evaluate(DRAWN)
    figure = page.locator("figure.metric").first
    figure.screenshot(path=str(tmp_path / "chart.png"))
    shutil.copy(tmp_path / "chart.png", SCREENSHOT)
    page.locator("#metrics").scroll_into_view_if_needed()
    context.close()

    assert drawn["charts"] == 2 and drawn["width"] > 800
    assert drawn["lines"] == 2
    assert drawn["legend"] == ['{service="checkout"}', '{service="payments"}']
    assert drawn["values"][0] == "0%" and drawn["values"][-1].endswith("%")
    assert len(drawn["times"]) >= 4 and all(re.fullmatch(r"\d\d:\d\d", t) for t in drawn["times"])
    labels = drawn["labels"]
    assert [label["text"].split()[0] for label in labels] == [
        "detected", "acknowledged", "mitigated", "resolved",
    ]  # fmt: skip
    pairs = [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :]]
    assert [(a["text"], b["text"]) for a, b in pairs if _overlap(a, b)] == []
    assert max(label["bottom"] for label in labels) <= drawn["plotTop"] + 1
    band, lines = drawn["band"], drawn["milestoneLines"]
    assert abs(band["left"] - lines[0]["left"]) < 2 and abs(band["right"] - lines[-1]["left"]) < 2
    assert drawn["nothing"] == ["Nothing to draw: no data in the window."]
    explore = urlsplit(drawn["grafana"][0])
    assert f"{explore.scheme}://{explore.netloc}" == GRAFANA and explore.path == "/explore"
    assert "http_requests_errors_ratio" in parse_qs(explore.query)["panes"][0]
    assert drawn["rows"][0].split("\t")[1:3] == ["0.4%", "18%"]


def test_killed_while_the_picture_is_shared_the_replay_posts_it_once(
    sandbox: Sandbox, settings: dict[str, str], database_url: str, db: sessionmaker[Session]
) -> None:
    """The summary and the report's file are out; the bot dies while Slack shares the
    picture. Restarted, the replay of the same publish finds the picture by its comment."""
    port = free_port()
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=settings) as bot:
        root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
        seed_postmortem(db, CHANNEL, root["ts"])
        sandbox.latency.hold("files.completeUploadExternal", after=1)  # the report's file passes
        assert _driver(bot, sandbox).slash_command(ALICE, CHANNEL, "publish").status_code == 200
        _kill_while_held(sandbox, bot, "files.completeUploadExternal")
    sandbox.wait_for(lambda: pictures(sandbox), timeout=WAIT)

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=settings):
        sandbox.wait_for(lambda: _drained(db) and _report(db).channel_ts, timeout=WAIT)
    assert len(_summaries(sandbox)) == 1 and len(_report_files(sandbox)) == 1
    assert [p["initial_comment"] for p in pictures(sandbox)] == [
        "Metrics over the incident window (publish #1)"
    ], "the dead attempt's picture was adopted, not posted again"
