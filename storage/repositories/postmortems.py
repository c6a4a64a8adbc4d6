"""Queries for post-mortems. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Postmortem


def get(session: Session, postmortem_id: int) -> Postmortem | None:
    """By id alone: for ids the bot holds (a row it just read by team and channel, a job's
    sweep); an id from a button or a form is checked against the workspace by
    `bot.services.permissions.postmortem` first."""
    return session.get(Postmortem, postmortem_id)


def get_by_channel(session: Session, team_id: str, channel_id: str) -> Postmortem | None:
    query = select(Postmortem).where(
        Postmortem.team_id == team_id, Postmortem.channel_id == channel_id
    )
    return session.scalars(query).one_or_none()


def list_by_incident(session: Session, team_id: str, incident_id: str) -> list[Postmortem]:
    """The workspace's post-mortems that link the PagerDuty incident."""
    query = select(Postmortem).where(
        Postmortem.team_id == team_id, Postmortem.pagerduty_incident_id == incident_id
    )
    return list(session.scalars(query.order_by(Postmortem.id)))


def list_by_incident_in_the_only_workspace(session: Session, incident_id: str) -> list[Postmortem]:
    """Single-workspace mode only (SLACK_BOT_TOKEN), where every post-mortem is the one
    workspace's: those that link the incident, for a webhook whose service is mapped to
    no workspace and so is that workspace's."""
    query = select(Postmortem).where(Postmortem.pagerduty_incident_id == incident_id)
    return list(session.scalars(query.order_by(Postmortem.id)))


def add_unless_exists(session: Session, postmortem: Postmortem) -> tuple[Postmortem, bool]:
    """Insert `postmortem`, or return the one already in its channel; (row, created).

    Two `start`s racing in one channel both reach the insert; the unique key
    decides, and the loser gets the winner's row.
    """
    try:
        with session.begin_nested():
            session.add(postmortem)
    except IntegrityError:
        existing = get_by_channel(session, postmortem.team_id, postmortem.channel_id)
        if existing is None:
            raise
        return existing, False
    return postmortem, True
