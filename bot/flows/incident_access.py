"""May this workspace see that PagerDuty incident? Asked before anything of it is linked or read.

In OAuth mode the incident is fetched first (`GET /incidents/{id}` names its
service), its service is remembered, and the workspace gets a `VisibleIncident` only
if that service is mapped to it (`bot.services.pagerduty_services`); only then are
its webhook events filed and its REST log read. When PagerDuty cannot say, the
service a webhook named for the incident decides. In single-workspace mode every
unmapped service is the workspace's, and nothing is fetched for the check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.flows.deps import Deps
from bot.pagerduty.client import PagerDutyClient
from bot.pagerduty.errors import PagerDutyError, PagerDutyNotFound
from bot.pagerduty.payloads import as_dict, name_of, text_of
from bot.services import pagerduty_services
from bot.services.pagerduty_services import ServiceRef

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VisibleIncident:
    """An incident `check` found `team_id` may see: the only way to link or read one."""

    team_id: str
    incident_id: str


def single_workspace(deps: Deps) -> bool:
    """SLACK_BOT_TOKEN mode: one workspace, which every unmapped PagerDuty service is."""
    return not deps.settings.oauth


def check(deps: Deps, team_id: str, incident_id: str) -> VisibleIncident:
    """The incident, if `team_id` may see it; NotFound saying what an admin can do if not."""
    single = single_workspace(deps)
    service, why_unknown = None, ""
    if not single:
        service, why_unknown = _ask_pagerduty(deps.clients.pagerduty, incident_id)
    with deps.sessions.begin() as session:
        if service is not None:
            pagerduty_services.learn(session, incident_id, service, deps.clock())
        pagerduty_services.require_visible(
            session, team_id, incident_id, single_workspace=single, unknown_because=why_unknown
        )
    return VisibleIncident(team_id, incident_id)


def _ask_pagerduty(
    client: PagerDutyClient | None, incident_id: str
) -> tuple[ServiceRef | None, str]:
    """The incident's service as PagerDuty says it, or why PagerDuty did not say."""
    if client is None:
        return None, " (PAGERDUTY_API_TOKEN is not set, and no webhook named it)"
    try:
        incident = client.get_incident(incident_id)
    except PagerDutyNotFound:
        return None, " (PagerDuty's API has no such incident for the bot's token)"
    except PagerDutyError as error:
        logger.warning("pagerduty incident service unknown: %s", type(error).__name__)
        return None, " (PagerDuty did not answer)"
    service = as_dict(incident.get("service"))
    service_id = text_of(service.get("id"))
    if service_id is None:
        return None, " (PagerDuty named no service for it)"
    return ServiceRef(service_id, name_of(service)), ""
