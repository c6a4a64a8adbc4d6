"""`postmortem-bot pagerduty map|unmap|list`: which workspace each PagerDuty service belongs to.

A PagerDuty webhook does not say which Slack workspace it is for, and the bot's one
API token reads every incident. In OAuth mode (SLACK_CLIENT_ID) a service mapped to
no workspace is nobody's: its webhooks are kept but join no timeline, and
`/postmortem link` of its incidents is refused with the `map` command to run. In
single-workspace mode (SLACK_BOT_TOKEN) such a service is the one workspace's.
Mistakes are one line each (a BotError), exit status 2.
"""

from __future__ import annotations

from typing import TextIO

from sqlalchemy.orm import Session

from bot import admin_mapping
from bot.config import Settings
from bot.services import pagerduty_services
from bot.services.pagerduty_services import HOW_TO_MAP
from storage.models import utcnow
from storage.repositories.pagerduty_services import SeenService


def run(
    settings: Settings, action: str, service_id: str | None, team_id: str | None, *, out: TextIO
) -> int:
    return admin_mapping.run(settings, ACTIONS, action, service_id, team_id, out=out)


def map_service(
    session: Session, settings: Settings, service_id: str, team_id: str, out: TextIO
) -> None:
    mapped = pagerduty_services.map_service(session, service_id, team_id, utcnow())
    admin_mapping.require_installed(session, settings, team_id)
    if mapped.before == team_id:
        print(f"PagerDuty service {service_id} already belongs to workspace {team_id}", file=out)
        return
    was = f", no longer {mapped.before}'s" if mapped.before else ""
    print(
        f"PagerDuty service {service_id} now belongs to workspace {team_id}{was}: "
        "its incidents' webhooks join that workspace's timelines, and `/postmortem link` "
        "there reads their logs",
        file=out,
    )


def unmap_service(session: Session, service_id: str, out: TextIO) -> None:
    mapped = pagerduty_services.unmap_service(session, service_id)
    print(
        f"PagerDuty service {service_id} no longer belongs to workspace {mapped.before}; "
        "in OAuth mode its incidents are nobody's until it is mapped again",
        file=out,
    )


def print_listing(session: Session, settings: Settings, out: TextIO) -> None:
    listing = pagerduty_services.listing(session)
    if settings.oauth:
        print("OAuth mode: a service mapped to no workspace is nobody's", file=out)
    else:
        print(
            "single-workspace mode: a service mapped to no workspace is the workspace's", file=out
        )
    print(f"mapped services ({len(listing.mapped)}):", file=out)
    for service in listing.mapped:
        print(f"{_line(service)}  -> {service.team_id}", file=out)
    print(f"services PagerDuty named, mapped to no workspace ({len(listing.unmapped)}):", file=out)
    for service in listing.unmapped:
        print(_line(service), file=out)
    print(f"map one with `{HOW_TO_MAP.format(service='SERVICE_ID', team='TEAM_ID')}`", file=out)


def _line(service: SeenService) -> str:
    events = f"{service.kept} webhook event{'' if service.kept == 1 else 's'} kept"
    return f"    {service.service_id:<14} {service.name or '(name not seen)'}  ({events})"


ACTIONS = admin_mapping.Actions(
    "pagerduty",
    "id, like PNE3JZM (`pagerduty list` shows them)",
    map_service,
    unmap_service,
    print_listing,
)
