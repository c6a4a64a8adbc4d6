"""Who may read a service's metrics, on SQLite and PostgreSQL: with several workspaces
(OAuth) only the workspace an admin mapped the service to; with one, every post-mortem.

Acme's post-mortem about `checkout` had a chart with data; once the bot serves several
workspaces and `checkout` is not mapped to Acme, the next fetch reads nothing, drops the
kept chart and its ALERTS lines, and the data gaps say what the admin must run.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.core.timeline import METRICS_GAPS, GapKind
from bot.flows.metrics import refused
from bot.services import metrics, monitoring_services, postmortems
from bot.services import timeline as timeline_service
from bot.services.metrics import Fetched, Gathered, Plan
from tests.storage.test_metrics_snapshots import (
    NOW,
    _chart,
    _charts,
    _firing,
    _gaps,
    _plan,
    _postmortem,
    _record,
    _said_at_14,
)


def _planned(sessions: sessionmaker[Session], postmortem_id: int, *, single: bool) -> Plan:
    with sessions() as session:
        plan = metrics.plan(session, postmortem_id, now=NOW, single_workspace=single)
    assert plan is not None
    return plan


def _map(sessions: sessionmaker[Session], service: str, team: str) -> None:
    with sessions.begin() as session:
        monitoring_services.map_service(session, service, team, NOW)


def _about(sessions: sessionmaker[Session], postmortem_id: int, service: str | None) -> None:
    with sessions.begin() as session:
        postmortems.set_service(session, postmortem_id, service)


def test_an_unmapped_service_s_kept_chart_and_alerts_are_dropped_and_the_gap_says_map_it(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _postmortem(sessions)
    _about(sessions, postmortem_id, "checkout")
    _said_at_14(sessions, postmortem_id, (0, "checkout 500s"))
    kept = Gathered(_plan(postmortem_id), (Fetched(_chart(0.1, 0.4)),), (_firing("High", 5),))
    _record(sessions, kept)
    assert _charts(sessions, postmortem_id)[0].drawable
    assert _planned(sessions, postmortem_id, single=True).refused is None, "one workspace"

    plan = _planned(sessions, postmortem_id, single=False)
    _record(sessions, refused(plan))

    assert _charts(sessions, postmortem_id) == ()
    (gap,) = [gap for gap in _gaps(sessions, postmortem_id) if gap.kind in METRICS_GAPS]
    assert gap.kind == GapKind.METRIC_QUERY_FAILED
    assert "service checkout is not mapped to this workspace" in gap.describe()
    assert "`postmortem-bot monitoring map checkout T0ACME`" in gap.describe()
    with sessions() as session:
        lines = timeline_service.view(session, postmortem_id).entries
    assert [line.source for line in lines] == ["slack"], "the ALERTS line went too"


def test_another_workspace_s_service_is_refused_and_the_own_one_is_read(
    sessions: sessionmaker[Session],
) -> None:
    acme = _postmortem(sessions, team="T0ACME")
    _said_at_14(sessions, acme, (0, "checkout 500s"))
    _about(sessions, acme, "checkout")
    _map(sessions, "checkout", "T0GLOBEX")

    assert _planned(sessions, acme, single=False).refused == (
        "service checkout belongs to another workspace"
    )
    _map(sessions, "checkout", "T0ACME")
    assert _planned(sessions, acme, single=False).refused is None

    _about(sessions, acme, None)
    unnamed = _planned(sessions, acme, single=False).refused
    assert unnamed is not None and "name one with /postmortem service NAME" in unnamed
    assert _planned(sessions, acme, single=True).refused is None, "one workspace: all"
