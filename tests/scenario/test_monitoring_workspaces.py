"""Two workspaces share one bot (OAuth); monitoring data reaches only the workspace an
admin mapped the service to.

A real Prometheus holds checkout's error ratio and ALERTS history of a past incident
(`test_metrics_prometheus`), a real Alertmanager sends checkout's live alert to the
bot's webhook. The admin runs `postmortem-bot monitoring map checkout T0ACME`. Acme's
post-mortem and Globex's both name service checkout: Acme's gets the chart, the ALERTS
lines and the live alert; Globex's gets none of them, is told so when it names the
service, and its data gaps say an admin must map it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess, bot_environment, free_port, running_bot
from bot.sandbox.driver import Driver
from bot.sandbox.slack_state import SlackWorkspace
from bot.services import metrics, postmortems
from bot.services import timeline as timeline_service
from storage.db import make_engine, make_sessionmaker
from storage.models import MonitoringAlert, TimelineEvent
from tests.followup_seed import add_postmortem
from tests.oauth_installs import install, oauth_env
from tests.scenario.alertmanager_server import running_alertmanager
from tests.scenario.prometheus_server import PrometheusProcess
from tests.scenario.test_metrics_prometheus import (  # noqa: F401  (a fixture)
    QUERIES,
    at,
    prometheus,
)

ACME, GLOBEX = "T0ACME", "T0GLOBEX"
LEADS = {ACME: "U0DANA", GLOBEX: "U0EVE"}
CHANNELS = {ACME: "C0ACMEINC", GLOBEX: "C0GLOBEXINC"}
TOKEN = "scenario-monitoring-token-7c2a"
CHECKOUT = {"alertname": "CheckoutErrors", "service": "checkout", "severity": "page"}
WAIT = 30.0


@pytest.fixture
def bot(
    sandbox: Sandbox,
    prometheus: PrometheusProcess,  # noqa: F811  (the fixture imported above)
    database_url: str,
    tmp_path: Path,
) -> Iterator[BotProcess]:
    charts = tmp_path / "queries.toml"
    charts.write_text(QUERIES)
    env = {
        **oauth_env(sandbox),
        "PROMETHEUS_URL": prometheus.url,
        "PROMETHEUS_QUERIES": str(charts),
        "ALERTMANAGER_WEBHOOK_TOKEN": TOKEN,
    }
    with running_bot(sandbox, database_url=database_url, extra_env=env) as bot:
        yield bot


@pytest.fixture
def db(bot: BotProcess) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(bot.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _installed(sandbox: Sandbox, bot: BotProcess, db: sessionmaker[Session]) -> dict[str, int]:
    """Acme and Globex install the bot; each has a post-mortem opened a minute ago whose
    channel spoke during the past incident (so its charted window is that incident's)."""
    with httpx.Client(base_url=bot.url, follow_redirects=False, timeout=10.0) as browser:
        for team_id in (ACME, GLOBEX):
            assert install(sandbox, browser, team_id, team_id).status_code == 200
    opened = datetime.now(UTC) - timedelta(minutes=1)
    ids = {}
    for team_id, lead in LEADS.items():
        ws = sandbox.team(team_id)
        ws.add_user(lead, lead.lower(), real_name=f"Lead of {team_id}", tz="UTC")
        ws.add_channel(CHANNELS[team_id], "inc-" + team_id.lower(), members=(lead,))
        ids[team_id] = add_postmortem(
            db,
            channel_id=CHANNELS[team_id],
            lead=lead,
            title="Checkout 500s",
            created_at=opened,
            team_id=team_id,
        )
        with db.begin() as session:
            for minute in (0, 20):
                session.add(
                    TimelineEvent(
                        team_id=team_id,
                        postmortem_id=ids[team_id],
                        occurred_at=at(14, minute),
                        source="slack",
                        source_key=f"{CHANNELS[team_id]}:{minute}",
                        text="checkout 500s" if minute == 0 else "looks fine now",
                    )
                )
    return ids


def _live(db: sessionmaker[Session]) -> dict[str, int]:
    """A second post-mortem in each workspace, opened now about checkout, in whose window
    a live alert falls (the first ones' window is the past incident's)."""
    ids = {}
    for team_id, lead in LEADS.items():
        ids[team_id] = add_postmortem(
            db,
            channel_id=CHANNELS[team_id] + "LIVE",
            lead=lead,
            title="Checkout 500s again",
            created_at=datetime.now(UTC),
            team_id=team_id,
        )
        with db.begin() as session:
            postmortems.set_service(session, ids[team_id], "checkout")
    return ids


def _admin(sandbox: Sandbox, bot: BotProcess, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**bot_environment(sandbox, bot.database_url, free_port()), **oauth_env(sandbox)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "monitoring", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _told(ws: SlackWorkspace, user: str, containing: str, sandbox: Sandbox) -> str:
    def found() -> list[str]:
        texts = [str(r["body"].get("text") or "") for r in ws.responses if r["user_id"] == user]
        return [text for text in texts if containing in text]

    return sandbox.wait_for(found, timeout=WAIT)[-1]


def _monitoring_lines(db: sessionmaker[Session], postmortem_id: int) -> list[str]:
    with db() as session:
        rows = session.scalars(
            select(TimelineEvent.kind).where(
                TimelineEvent.postmortem_id == postmortem_id, TimelineEvent.source == "monitoring"
            )
        )
        return [kind or "" for kind in rows]


def _timeline(driver: Driver, sandbox: Sandbox, team_id: str) -> None:
    """`/postmortem timeline` in the team's channel: the bot fetches the metrics then."""
    ws = sandbox.team(team_id)
    before = len(ws.files)
    driver.slash_command(LEADS[team_id], CHANNELS[team_id], "timeline", team=team_id)
    sandbox.wait_for(lambda: ws.files[before:], timeout=WAIT)


def test_globex_naming_acmes_service_gets_none_of_its_alerts_or_charts(
    sandbox: Sandbox, bot: BotProcess, driver: Driver, db: sessionmaker[Session], tmp_path: Path
) -> None:
    ids = _installed(sandbox, bot, db)
    bad = _admin(sandbox, bot, "map", "checkout", "not-a-team")
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1, bad.stderr
    mapped = _admin(sandbox, bot, "map", "checkout", ACME)
    assert mapped.returncode == 0, mapped.stderr

    for team_id, lead in LEADS.items():
        driver.slash_command(lead, CHANNELS[team_id], "service checkout", team=team_id)
    _told(sandbox.team(ACME), LEADS[ACME], "now about service `checkout`", sandbox)
    refused = _told(sandbox.team(GLOBEX), LEADS[GLOBEX], "not mapped to this workspace", sandbox)
    assert f"`postmortem-bot monitoring map checkout {GLOBEX}`" in refused

    for team_id in (ACME, GLOBEX):
        _timeline(driver, sandbox, team_id)
    with db() as session:
        (acme_chart,) = metrics.charts_for(session, ids[ACME])
        globex_charts = metrics.charts_for(session, ids[GLOBEX])
        globex_gaps = [gap.describe() for gap in timeline_service.view(session, ids[GLOBEX]).gaps]
    assert acme_chart.drawable and [s.label for s in acme_chart.series] == ['{service="checkout"}']
    assert sorted(_monitoring_lines(db, ids[ACME])) == ["alert_firing", "alert_resolved"]
    assert globex_charts == ()
    assert _monitoring_lines(db, ids[GLOBEX]) == [], "no ALERTS line either"
    assert any("service checkout belongs to another workspace" in gap for gap in globex_gaps), (
        globex_gaps
    )

    live = _live(db)
    fired = (datetime.now(UTC) - timedelta(minutes=2)).replace(microsecond=0)
    webhook = f"{bot.url}/alertmanager/webhook"
    with running_alertmanager(tmp_path / "am", webhook, TOKEN) as alertmanager:
        alertmanager.post_alert(CHECKOUT, {"summary": "Checkout 5xx"}, starts_at=fired)
        assert alertmanager.wait_for_notifications(sent=1) == (1, 0)
    assert sandbox.poll(lambda: _monitoring_lines(db, live[ACME]) == ["alert_firing"])
    assert _monitoring_lines(db, live[GLOBEX]) == [], "kept, but not filed on Globex's"
    with db() as session:
        assert session.scalar(select(func.count()).select_from(MonitoringAlert)) == 1
