"""Which post-mortem an alert belongs to: its window, and its service.

An alert carries no Slack workspace, so the service is what ties it to a post-mortem:
- a post-mortem that names a service (`/postmortem service NAME`) takes the alerts whose
  service (`Alert.service`: the `service` label, else `app`, else `job`) is that name;
- one that names none takes every alert in its window, but only when the bot serves a
  single workspace (SLACK_BOT_TOKEN). With OAuth several workspaces share the bot, and
  an alert named by no post-mortem's service is kept but shown to nobody;
- with OAuth, moreover, a post-mortem takes a service's alerts only when an admin mapped
  the service to its workspace (`postmortem-bot monitoring map`, asked by the caller:
  `bot.services.monitoring_services.may_see`), so a workspace cannot read another's
  alerts by naming its service.
The window is the incident's (`bot.core.milestones.window`) widened by `MARGIN` on each
side, open-ended while it is not resolved; before any milestone is known, from
`BEFORE_OPENED` before the post-mortem was opened (or its `--since`) until now. An open
end stops `OPEN_FOR` after the window's start, so a post-mortem left unresolved and
unpublished does not take every alert from then on; and a fresh alert is not offered to
post-mortems opened more than `LOOKBACK` before it started.
Pure: the core and the standard library.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core import milestones as rules
from bot.core.milestones import Milestones

MARGIN = timedelta(hours=1)
BEFORE_OPENED = timedelta(hours=2)
# An alert stamped a little ahead of the bot's clock (another host's) is still "now".
CLOCK_SKEW = timedelta(minutes=5)
# Longer than an incident runs unresolved; an abandoned post-mortem's window closes then.
OPEN_FOR = timedelta(days=3)
LOOKBACK = timedelta(days=30)

Window = tuple[datetime, datetime]


def window(known: Milestones, *, opened_at: datetime, now: datetime) -> Window:
    """The span an alert must start in to belong to the post-mortem."""
    start, end = rules.window(known)
    if start is None:
        begins = opened_at - BEFORE_OPENED
        return begins, min(now + CLOCK_SKEW, begins + OPEN_FOR)
    if end is not None:
        return start - MARGIN, end + MARGIN
    return start - MARGIN, min(now + CLOCK_SKEW, start + OPEN_FOR)


def same_service(
    postmortem_service: str | None, alert_service: str | None, *, single_workspace: bool
) -> bool:
    """Whether a post-mortem about `postmortem_service` (None: it names none) may take an
    alert about `alert_service`."""
    if postmortem_service is None:
        return single_workspace
    return alert_service == postmortem_service  # label values are case-sensitive


def within(moment: datetime, span: Window) -> bool:
    return span[0] <= moment <= span[1]
