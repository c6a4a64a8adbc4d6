"""Action items and their tickets: which have none, recording the link once.

Functions take a Session and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, cast, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import (
    ActionItem,
    Factor,
    Followup,
    Postmortem,
    TicketTracker,
    TrackerIdentity,
    utcnow,
)
from storage.upsert import insert_ignoring_conflicts

ItemFactor = tuple[ActionItem, Factor | None]


def untracked(session: Session, postmortem_id: int) -> list[ItemFactor]:
    """The post-mortem's items without a ticket link, with their factor, by number."""
    query = (
        select(ActionItem, Factor)
        .outerjoin(Factor, ActionItem.factor_id == Factor.id)
        .where(ActionItem.postmortem_id == postmortem_id, ActionItem.ticket_url.is_(None))
        .order_by(ActionItem.number)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def factor_of(session: Session, item: ActionItem) -> Factor | None:
    return None if item.factor_id is None else session.get(Factor, item.factor_id)


def record_url(session: Session, item_id: int, url: str) -> bool:
    """Link the item to its ticket unless it has one already; True when this linked it."""
    statement = (
        update(ActionItem)
        .where(ActionItem.id == item_id, ActionItem.ticket_url.is_(None))
        .values(ticket_url=url)
    )
    return changed_rows(session, statement) == 1


def item_linking(session: Session, url: str) -> int | None:
    """The id of the item whose ticket is `url`, if one links it."""
    query = select(ActionItem.id).where(ActionItem.ticket_url == url).order_by(ActionItem.id)
    return session.scalars(query).first()


def with_postmortem(session: Session, item_id: int) -> tuple[ActionItem, Postmortem] | None:
    """The item (locked for the change) and its post-mortem, by id alone: the caller
    checks the workspace before it changes anything."""
    query = (
        select(ActionItem, Postmortem)
        .join(Postmortem, ActionItem.postmortem_id == Postmortem.id)
        .where(ActionItem.id == item_id)
        .with_for_update(of=ActionItem)
    )
    row = session.execute(query).one_or_none()
    return None if row is None else (row[0], row[1])


def channel_target(session: Session, team_id: str, channel_id: str, system: str) -> str | None:
    query = select(TicketTracker.target).where(
        TicketTracker.team_id == team_id,
        TicketTracker.channel_id == channel_id,
        TicketTracker.system == system,
    )
    return session.scalars(query).first()


def channel_tracker(session: Session, team_id: str, channel_id: str) -> tuple[str, str] | None:
    """(system, target) of the channel's tracker, whichever system it is."""
    query = select(TicketTracker.system, TicketTracker.target).where(
        TicketTracker.team_id == team_id, TicketTracker.channel_id == channel_id
    )
    row = session.execute(query).first()
    return None if row is None else (row[0], row[1])


def set_channel_target(
    session: Session, team_id: str, channel_id: str, system: str, target: str, by: str
) -> None:
    """The channel's tracker is `system`'s `target` from now on (replacing any other)."""
    query = (
        select(TicketTracker)
        .where(TicketTracker.team_id == team_id, TicketTracker.channel_id == channel_id)
        .with_for_update()
    )
    row = session.scalars(query).first()
    if row is None:
        insert = insert_ignoring_conflicts(
            session,
            TicketTracker,
            index_elements=["team_id", "channel_id"],
            team_id=team_id,
            channel_id=channel_id,
            system=system,
            target=target,
            set_by=by,
            updated_at=utcnow(),
        )
        session.execute(insert)
        row = session.scalars(query).one()
    row.system, row.target, row.set_by = system, target, by


def teams_naming(session: Session, system: str, target: str) -> set[str]:
    """The workspaces with a channel that files in `target` (compared case-insensitively)."""
    query = select(TicketTracker.team_id).where(
        TicketTracker.system == system, func.lower(TicketTracker.target) == target.lower()
    )
    return set(session.scalars(query))


def identity(session: Session, team_id: str, user_id: str, system: str) -> str | None:
    query = select(TrackerIdentity.identity).where(
        TrackerIdentity.team_id == team_id,
        TrackerIdentity.user_id == user_id,
        TrackerIdentity.system == system,
    )
    return session.scalars(query).first()


def set_identity(session: Session, team_id: str, user_id: str, system: str, value: str) -> None:
    query = (
        select(TrackerIdentity)
        .where(
            TrackerIdentity.team_id == team_id,
            TrackerIdentity.user_id == user_id,
            TrackerIdentity.system == system,
        )
        .with_for_update()
    )
    row = session.scalars(query).first()
    if row is None:
        insert = insert_ignoring_conflicts(
            session,
            TrackerIdentity,
            index_elements=["team_id", "user_id", "system"],
            team_id=team_id,
            user_id=user_id,
            system=system,
            identity=value,
            updated_at=utcnow(),
        )
        session.execute(insert)
        row = session.scalars(query).one()
    row.identity = value


def linked(
    session: Session,
    team_id: str | None,
    *,
    done_since: datetime,
    limit: int,
    unclaimed: Sequence[tuple[str, str | None]] = (),
) -> list[ActionItem]:
    """Items with a ticket whose status may still change: open ones, and those done since
    `done_since` (a ticket reopened soon after); the team's (None: every team's), oldest
    ticket first. With `unclaimed` (claim kinds, each in a period or None for any), only
    items with no such claim: a run bounded by `limit` goes on past the items an earlier
    run of the period already took, instead of finding the same first ones again."""
    query = select(ActionItem).where(
        ActionItem.ticket_url.is_not(None),
        or_(ActionItem.status != "done", ActionItem.done_at >= done_since),
    )
    for kind, period in unclaimed:
        claimed = exists().where(
            Followup.team_id == ActionItem.team_id,
            Followup.kind == kind,
            Followup.subject == cast(ActionItem.id, String),
        )
        query = query.where(
            ~(claimed if period is None else claimed.where(Followup.period == period))
        )
    if team_id is not None:
        query = query.where(ActionItem.team_id == team_id)
    return list(session.scalars(query.order_by(ActionItem.id).limit(limit)))


def prune_claims(session: Session, kind: str, *, before: datetime) -> int:
    """Forget the claims of `kind` made before `before` (the sync's, once their slot passed)."""
    statement = delete(Followup).where(Followup.kind == kind, Followup.created_at < before)
    return changed_rows(session, statement)
