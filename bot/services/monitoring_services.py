"""Which workspace may see which monitoring service: the admin's mapping of services.

Alertmanager's alerts and Prometheus' series name a service (a label value), never a
Slack workspace. With one workspace (SLACK_BOT_TOKEN) every service is its own and no
mapping is needed. With OAuth several workspaces, possibly several companies, share
the bot: a post-mortem gets a service's alerts, ALERTS history and charts only when an
admin mapped that service to its workspace (`postmortem-bot monitoring map SERVICE
TEAM`), and one that names no service gets no monitoring data at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import BadArguments, NotFound
from bot.services.pagerduty_services import OBJECT_ID
from bot.services.postmortems import check_service
from storage.repositories import monitoring_services
from storage.repositories.monitoring_services import SeenService

HOW_TO_MAP = "postmortem-bot monitoring map {service} {team}"


def may_see(session: Session, team_id: str, service: str | None, *, single_workspace: bool) -> bool:
    """Whether a post-mortem of `team_id` about `service` (None: none named) may get
    that service's monitoring data."""
    if single_workspace:
        return True
    return service is not None and monitoring_services.owner(session, service) == team_id


def refusal(session: Session, team_id: str, service: str | None) -> str:
    """Why a post-mortem of `team_id` about `service` gets no monitoring data in OAuth
    mode, with what to do about it; plain text (the caller escapes it for its target)."""
    if service is None:
        return (
            "with several workspaces sharing the bot, monitoring data is read only for a "
            "service mapped to this workspace: name one with /postmortem service NAME"
        )
    how = HOW_TO_MAP.format(service=service, team=team_id)
    if monitoring_services.owner(session, service) is None:
        return (
            f"service {service} is not mapped to this workspace: an admin of the bot runs `{how}`"
        )
    return f"service {service} belongs to another workspace"


@dataclass(frozen=True)
class Mapped:
    """What `map` or `unmap` changed: the service, and its workspace before and after."""

    service: str
    before: str | None
    after: str | None


def map_service(session: Session, service: str, team_id: str, now: datetime) -> Mapped:
    _check_service(service)
    if not OBJECT_ID.fullmatch(team_id):
        raise BadArguments(f"{team_id!r} is not a Slack workspace (team) id (like T0123ABCD)")
    before = monitoring_services.map_to(session, service, team_id, now)
    return Mapped(service, before, team_id)


def unmap_service(session: Session, service: str) -> Mapped:
    _check_service(service)
    before = monitoring_services.unmap(session, service)
    if before is None:
        raise NotFound(f"service {service} is not mapped to any workspace")
    return Mapped(service, before, None)


def listing(session: Session) -> list[SeenService]:
    return monitoring_services.listing(session)


def _check_service(service: str) -> None:
    try:
        check_service(service)
    except BadArguments:
        raise BadArguments(
            f"{service[:80]!r} is not a service name: up to 64 letters, digits or . _ : / -, "
            "as the `service` label of alerts and metrics has it"
        ) from None
