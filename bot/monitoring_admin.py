"""`postmortem-bot monitoring map|unmap|list`: which workspace each monitoring service belongs to.

Alertmanager's alerts and Prometheus' series name a service, never a Slack workspace.
In OAuth mode (SLACK_CLIENT_ID) a post-mortem gets a service's alerts, ALERTS history
and charts only when the service is mapped to its workspace; an unmapped service's
alerts are kept but shown to nobody. In single-workspace mode no mapping is needed.
Mistakes are one line each (a BotError), exit status 2.
"""

from __future__ import annotations

from typing import TextIO

from sqlalchemy.orm import Session

from bot import admin_mapping
from bot.config import Settings
from bot.services import monitoring_services
from bot.services.monitoring_services import HOW_TO_MAP
from storage.models import utcnow


def run(
    settings: Settings, action: str, service: str | None, team_id: str | None, *, out: TextIO
) -> int:
    return admin_mapping.run(settings, ACTIONS, action, service, team_id, out=out)


def map_service(
    session: Session, settings: Settings, service: str, team_id: str, out: TextIO
) -> None:
    mapped = monitoring_services.map_service(session, service, team_id, utcnow())
    admin_mapping.require_installed(session, settings, team_id)
    if mapped.before == team_id:
        print(f"monitoring service {service} already belongs to workspace {team_id}", file=out)
        return
    was = f", no longer {mapped.before}'s" if mapped.before else ""
    print(
        f"monitoring service {service} now belongs to workspace {team_id}{was}: its alerts, "
        "ALERTS history and charts reach that workspace's post-mortems about it",
        file=out,
    )


def unmap_service(session: Session, service: str, out: TextIO) -> None:
    mapped = monitoring_services.unmap_service(session, service)
    print(
        f"monitoring service {service} no longer belongs to workspace {mapped.before}; "
        "in OAuth mode its alerts and metrics reach nobody until it is mapped again",
        file=out,
    )


def print_listing(session: Session, settings: Settings, out: TextIO) -> None:
    services = monitoring_services.listing(session)
    mapped = [one for one in services if one.team_id is not None]
    unmapped = [one for one in services if one.team_id is None]
    if settings.oauth:
        print("OAuth mode: a service mapped to no workspace is shown to nobody", file=out)
    else:
        print("single-workspace mode: every service is the workspace's, mapped or not", file=out)
    print(f"mapped services ({len(mapped)}):", file=out)
    for one in mapped:
        print(f"    {one.service:<24} ({_kept(one.kept)})  -> {one.team_id}", file=out)
    print(f"services alerts named, mapped to no workspace ({len(unmapped)}):", file=out)
    for one in unmapped:
        print(f"    {one.service:<24} ({_kept(one.kept)})", file=out)
    print(f"map one with `{HOW_TO_MAP.format(service='SERVICE', team='TEAM_ID')}`", file=out)


def _kept(count: int) -> str:
    return f"{count} alert transition{'' if count == 1 else 's'} kept"


ACTIONS = admin_mapping.Actions(
    "monitoring",
    "name, like checkout (`monitoring list` shows those alerts named)",
    map_service,
    unmap_service,
    print_listing,
)
