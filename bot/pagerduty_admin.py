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

from bot.config import Settings
from bot.errors import BadArguments
from bot.services import pagerduty_services
from bot.services.pagerduty_services import HOW_TO_MAP
from storage import schema
from storage.db import check_connection, make_engine, make_sessionmaker
from storage.models import utcnow
from storage.repositories import installations
from storage.repositories.pagerduty_services import SeenService


def run(
    settings: Settings, action: str, service_id: str | None, team_id: str | None, *, out: TextIO
) -> int:
    if action != "map" and team_id is not None:
        raise BadArguments(f"{action} takes no workspace: `pagerduty {action} SERVICE_ID`")
    if action == "list" and service_id is not None:
        raise BadArguments("list takes no service: `pagerduty list`")
    engine = make_engine(settings.database_url)
    try:
        check_connection(engine)
        schema.ensure_current(engine)
        with make_sessionmaker(engine).begin() as session:
            if action == "map":
                map_service(session, settings, _given(service_id), _given_team(team_id), out)
            elif action == "unmap":
                unmap_service(session, _given(service_id), out)
            else:
                print_listing(session, settings, out)
    finally:
        engine.dispose()
    return 0


def map_service(
    session: Session, settings: Settings, service_id: str, team_id: str, out: TextIO
) -> None:
    mapped = pagerduty_services.map_service(session, service_id, team_id, utcnow())
    if settings.oauth and not installations.has_team(session, team_id):
        # Raised inside the transaction, so the mapping just written is rolled back.
        raise BadArguments(
            f"workspace {team_id} has not installed the bot: map its services once it has "
            "(an admin of that workspace opens /slack/install)"
        )
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


def _given(service_id: str | None) -> str:
    if service_id is None:
        raise BadArguments("which service? give its id, like PNE3JZM (`pagerduty list` shows them)")
    return service_id


def _given_team(team_id: str | None) -> str:
    if team_id is None:
        raise BadArguments("which workspace? give its team id, like T0123ABCD")
    return team_id
