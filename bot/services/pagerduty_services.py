"""Which workspace may see which PagerDuty incident: the admin's mapping of services.

A PagerDuty webhook does not say which Slack workspace it is for, and one API token
reads every incident of the account. So each incident belongs to the workspace its
service is mapped to (`postmortem-bot pagerduty map SERVICE TEAM`). Without a
mapping, a service is the workspace's in single-workspace mode (SLACK_BOT_TOKEN:
there is only one) and nobody's in OAuth mode: its events are kept, and attached to
no post-mortem until an admin maps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.slack_text import escape
from bot.errors import BadArguments, NotFound
from bot.pagerduty.webhook import INCIDENT_ID
from storage.repositories import pagerduty_services
from storage.repositories.pagerduty_services import SeenService

# PagerDuty's object ids and Slack's team ids look alike: a capital, then capitals and digits.
OBJECT_ID = INCIDENT_ID
HOW_TO_MAP = "postmortem-bot pagerduty map {service} {team}"


@dataclass(frozen=True)
class ServiceRef:
    """A service as a webhook body or the REST API named it."""

    service_id: str
    name: str | None = None


def mapped_owner(session: Session, service_id: str | None) -> str | None:
    """The workspace an admin mapped the service to; None if none (or no service known)."""
    return None if service_id is None else pagerduty_services.owner(session, service_id)


def may_see(
    session: Session, team_id: str, service_id: str | None, *, single_workspace: bool
) -> bool:
    """Whether `team_id` may see the incidents of `service_id` (None: not known yet)."""
    mapped_to = mapped_owner(session, service_id)
    if mapped_to is not None:
        return mapped_to == team_id
    return single_workspace


def learn(session: Session, incident_id: str, service: ServiceRef, now: datetime) -> int:
    """Remember which service the incident is on (its notes' webhooks do not say); how many
    kept events of the incident that gave a service to."""
    return pagerduty_services.learn_incident_service(
        session, incident_id, service.service_id, service.name, now
    )


def incident_service(session: Session, incident_id: str) -> ServiceRef | None:
    known = pagerduty_services.incident_service(session, incident_id)
    return None if known is None else ServiceRef(known.service_id, known.service_name)


def require_visible(
    session: Session,
    team_id: str,
    incident_id: str,
    *,
    single_workspace: bool,
    unknown_because: str = "",
) -> ServiceRef | None:
    """The incident's service if `team_id` may see the incident; NotFound, saying what an
    admin can do about it, if not. In OAuth mode an incident on no known service is refused
    (`unknown_because` says why it is not known)."""
    service = incident_service(session, incident_id)
    service_id = service.service_id if service is not None else None
    if may_see(session, team_id, service_id, single_workspace=single_workspace):
        return service
    if service is None:
        raise NotFound(
            f"I can't tell which PagerDuty service incident `{incident_id}` is on"
            f"{unknown_because}, so I can't show it to this workspace. Once PagerDuty sends "
            "a webhook for it, or answers for it, an admin of the bot can map its service "
            f"here: `{HOW_TO_MAP.format(service='SERVICE_ID', team=team_id)}`."
        )
    if mapped_owner(session, service.service_id) is None:
        # PagerDuty's words, inert in Slack: a service may be named "<!channel>".
        named = f" ({escape(service.name)})" if service.name else ""
        service_id = escape(service.service_id)
        raise NotFound(
            f"PagerDuty incident `{incident_id}` is on service `{service_id}`{named}, "
            "which is not mapped to this workspace, so its events stay out of the timeline. "
            "An admin of the bot can map it: "
            f"`{HOW_TO_MAP.format(service=service_id, team=team_id)}`."
        )
    raise NotFound(
        f"PagerDuty incident `{incident_id}` is not one this workspace can see: its service "
        "belongs to another workspace."
    )


@dataclass(frozen=True)
class Mapped:
    """What `map` or `unmap` changed: the service, and its workspace before and after."""

    service_id: str
    before: str | None
    after: str | None


def map_service(session: Session, service_id: str, team_id: str, now: datetime) -> Mapped:
    _check_id(service_id, "a PagerDuty service id", "PNE3JZM")
    _check_id(team_id, "a Slack workspace (team) id", "T0123ABCD")
    before = pagerduty_services.map_to(session, service_id, team_id, now)
    return Mapped(service_id, before, team_id)


def unmap_service(session: Session, service_id: str) -> Mapped:
    _check_id(service_id, "a PagerDuty service id", "PNE3JZM")
    before = pagerduty_services.unmap(session, service_id)
    if before is None:
        raise NotFound(f"service {service_id} is not mapped to any workspace")
    return Mapped(service_id, before, None)


@dataclass(frozen=True)
class Listing:
    """Every mapped service and every service seen in PagerDuty's traffic, by workspace."""

    mapped: list[SeenService]
    unmapped: list[SeenService]


def listing(session: Session) -> Listing:
    seen = {service.service_id: service for service in pagerduty_services.seen(session)}
    kept = pagerduty_services.kept_events(session)
    mapped = [
        SeenService(
            row.service_id,
            getattr(seen.get(row.service_id), "name", None),
            row.team_id,
            kept.get(row.service_id, 0),
        )
        for row in pagerduty_services.mapped(session)
    ]
    unmapped = [service for service in seen.values() if service.team_id is None]
    return Listing(mapped, unmapped)


def _check_id(value: str, what: str, example: str) -> None:
    if not OBJECT_ID.fullmatch(value):
        raise BadArguments(f"{value!r} is not {what} (like {example})")
