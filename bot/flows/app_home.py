"""Publishing a person's App Home: read it in their workspace, draw it, `views.publish` it.

Called when they open the Home tab (`bot.listeners.events.app_home`) and after a
button in the Home changed an item (`bot.flows.item_lists.redraw`), so the tab shows
the change as the digest DM does. Dates are the person's own ("today" in their
timezone decides what is overdue and which reviews are due).
"""

from __future__ import annotations

from functools import partial

from slack_sdk import WebClient

from bot.core.followup import local_today
from bot.flows import timezones
from bot.flows.deps import Deps
from bot.flows.publishing import share_url
from bot.services import home as home_service
from bot.slack import home_blocks


def publish(
    deps: Deps, client: WebClient, team_id: str, user_id: str, *, notice: str | None = None
) -> None:
    """Draw `user_id`'s Home as it stands now (with `notice` on top) and publish it."""
    now = deps.clock()
    tz = timezones.timezone_of(client, team_id, user_id, now=now, sessions=deps.sessions)
    with deps.sessions() as session:
        home = home_service.home(
            session,
            team_id,
            user_id,
            today=local_today(now, tz),
            url_of=partial(share_url, deps.settings),
            notice=notice,
        )
    client.views_publish(user_id=user_id, view=home_blocks.home_view(deps.templates, home))
