"""Use cases of a post-mortem's life: start it, find it, record its thread."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import BadArguments, NotFound
from storage.bounds import limit
from storage.models import Postmortem
from storage.repositories import postmortems, workspaces

# A service as monitoring names it (a label value): letters, digits and . _ : / -.
_SERVICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")
SERVICE_USAGE = (
    "Usage: `/postmortem service NAME` (e.g. `service checkout`), `service none` to clear it, "
    "or `service` alone to see it."
)


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


def check_service(name: str) -> str:
    """`name` as a service's label value, or a refusal that says what one looks like."""
    most = limit(Postmortem.service)
    if len(name) > most or not _SERVICE.fullmatch(name):
        raise BadArguments(
            f"A service name is up to {most} letters, digits or `. _ : / -`, as the "
            f"`service` label of your metrics has it. {SERVICE_USAGE}"
        )
    return name


def set_service(session: Session, postmortem_id: int, name: str | None) -> None:
    """Name the service the post-mortem is about (None: no service), which narrows the
    Prometheus queries and the alerts matched to it."""
    get_or_raise(session, postmortem_id).service = None if name is None else check_service(name)


def service_of(session: Session, postmortem_id: int) -> str | None:
    """The service the post-mortem is about, if someone named one."""
    return get_or_raise(session, postmortem_id).service
