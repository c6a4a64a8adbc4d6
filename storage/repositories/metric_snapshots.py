"""A post-mortem's kept metric charts, and the metrics gaps among its timeline gaps.
Functions take a Session and never commit."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import FactorEvidence, MetricSnapshot, TimelineEvent, TimelineGap
from storage.upsert import insert_or_update

KEY = ("postmortem_id", "name")


def list_for(session: Session, postmortem_id: int) -> list[MetricSnapshot]:
    """The kept charts in PROMETHEUS_QUERIES' order."""
    query = (
        select(MetricSnapshot)
        .where(MetricSnapshot.postmortem_id == postmortem_id)
        .order_by(MetricSnapshot.position, MetricSnapshot.id)
    )
    return list(session.scalars(query))


def save(session: Session, values: Mapping[str, Any]) -> None:
    """Insert the chart, or replace the one kept under its (post-mortem, name)."""
    changing = {name: value for name, value in values.items() if name not in KEY}
    statement = insert_or_update(
        session, MetricSnapshot, index_elements=KEY, set_=changing, **values
    )
    session.execute(statement)


def drop_others(session: Session, postmortem_id: int, names: Collection[str]) -> int:
    """Forget the kept charts not among `names` (taken out of PROMETHEUS_QUERIES)."""
    statement = delete(MetricSnapshot).where(
        MetricSnapshot.postmortem_id == postmortem_id, MetricSnapshot.name.not_in(list(names))
    )
    return changed_rows(session, statement)


def clear_gaps(session: Session, postmortem_id: int, kinds: Collection[str]) -> int:
    """Forget the post-mortem's gaps of `kinds`, whatever their scope: a new fetch states
    the metrics gaps afresh."""
    statement = delete(TimelineGap).where(
        TimelineGap.postmortem_id == postmortem_id, TimelineGap.kind.in_(list(kinds))
    )
    return changed_rows(session, statement)


def timeline_span(
    session: Session, postmortem_id: int, *, leaving_out: str
) -> tuple[datetime | None, datetime | None]:
    """The first and last time on the post-mortem's timeline (deleted lines left out):
    the window to chart while the milestones do not say it. Lines keyed `leaving_out…`
    are not counted: the ALERTS lines a fetch of that window made (an alert already
    firing at its start would otherwise widen it at every fetch)."""
    query = select(func.min(TimelineEvent.occurred_at), func.max(TimelineEvent.occurred_at)).where(
        TimelineEvent.postmortem_id == postmortem_id,
        TimelineEvent.deleted_at.is_(None),
        ~TimelineEvent.source_key.startswith(leaving_out, autoescape=True),
    )
    first, last = session.execute(query).one()
    return first, last


def drop_alert_lines_but(
    session: Session, postmortem_id: int, prefix: str, keys: Collection[str]
) -> int:
    """Forget the post-mortem's monitoring lines keyed `prefix:…` other than `keys` (an
    earlier fetch's, for another service or outside today's window), except those an
    answer cites as evidence."""
    cited = select(FactorEvidence.source_key).where(FactorEvidence.postmortem_id == postmortem_id)
    statement = delete(TimelineEvent).where(
        TimelineEvent.postmortem_id == postmortem_id,
        TimelineEvent.source == "monitoring",
        TimelineEvent.source_key.startswith(f"{prefix}:"),
        TimelineEvent.source_key.not_in(list(keys)),
        TimelineEvent.source_key.not_in(cited),
    )
    return changed_rows(session, statement)
