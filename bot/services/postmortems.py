"""Use cases of a post-mortem's life: start it, find it, record its thread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import BadArguments, NotFound
from storage.bounds import limit
from storage.models import Postmortem
from storage.repositories import postmortems, workspaces


def start(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    title: str,
    now: datetime,
    severity: str | None = None,
) -> tuple[Postmortem, bool]:
    """The post-mortem of this channel, created unless one exists; (post-mortem, created)."""
    check_title(title)
    workspaces.ensure(session, team_id)
    candidate = Postmortem(
        team_id=team_id,
        channel_id=channel_id,
        title=title,
        severity=severity,
        lead_user_id=user_id,
        created_by=user_id,
        created_at=now,
        updated_at=now,
    )
    return postmortems.add_unless_exists(session, candidate)


def check_title(title: str) -> None:
    """A title longer than the database keeps is refused, saying how long it may be."""
    most = limit(Postmortem.title)
    if len(title) > most:
        raise BadArguments(
            f"That title is {len(title):,} characters long; a post-mortem's title is at most "
            f"{most:,}. Start again with a shorter one: `/postmortem start [incident] title`."
        )


def abandon_start(session: Session, postmortem_id: int) -> None:
    """Undo a start whose opening message could not be posted, so a retry starts clean."""
    postmortem = postmortems.get(session, postmortem_id)
    if postmortem is not None and postmortem.thread_ts is None:
        session.delete(postmortem)


def record_thread(session: Session, postmortem_id: int, thread_ts: str) -> None:
    get_or_raise(session, postmortem_id).thread_ts = thread_ts


def get_or_raise(session: Session, postmortem_id: int) -> Postmortem:
    postmortem = postmortems.get(session, postmortem_id)
    if postmortem is None:
        raise NotFound(f"Post-mortem {postmortem_id} does not exist.")
    return postmortem


def get_for_channel(session: Session, team_id: str, channel_id: str) -> Postmortem | None:
    return postmortems.get_by_channel(session, team_id, channel_id)


def get_for_channel_or_raise(session: Session, team_id: str, channel_id: str) -> Postmortem:
    postmortem = postmortems.get_by_channel(session, team_id, channel_id)
    if postmortem is None:
        raise NotFound(
            "There is no post-mortem in this channel yet: start one with `/postmortem start`."
        )
    return postmortem
