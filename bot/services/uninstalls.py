"""A workspace removed the app (`app_uninstalled`) or its bot token was revoked
(`tokens_revoked`): what the bot stops keeping, in one transaction.

Slack's Events API says the two may arrive in either order, and an app is not
uninstalled until its last token is revoked; either one leaves the bot without a
usable token for the workspace. So either one deletes the installation (the bot
token, encrypted, and its refresh token) and what the bot copied from Slack's
profiles to send on time (the people's cached time zones). What the team wrote in
its post-mortems (timelines, answers, action items, reports) is the team's record
and stays: a reinstall carries on with it (README, "Uninstalling").

The event id is claimed in the same transaction, so a retried delivery of an old
revocation cannot delete an installation made since. Nor can a first delivery that
comes late (its earlier attempts failed, or it is the second of the pair): an
installation made after the event's `event_time` (whole seconds, so from the next
second on) is a reinstall, and stays with its copied data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.services import deliveries
from storage.repositories import installations, user_timezones


def forget_workspace(
    session: Session,
    *,
    install_id: str | None,
    team_id: str | None,
    event_id: str | None,
    event_time: float | None = None,
) -> bool:
    """Delete the installation `install_id` and the team's copied profile data; False when
    this event was handled before, or the workspace reinstalled since it (nothing done)."""
    if not deliveries.first_time(session, "slack", event_id, team_id=team_id):
        return False
    if install_id is not None:
        since = _after(event_time)
        removed = installations.remove(session, install_id, installed_before=since)
        if not removed and since and installations.installed_since(session, install_id, since):
            return False
    if team_id:
        user_timezones.forget_team(session, team_id)
    return True


def _after(event_time: float | None) -> datetime | None:
    """The first moment surely after the event (Slack gives its time in whole seconds)."""
    if not isinstance(event_time, int | float) or isinstance(event_time, bool):
        return None
    return datetime.fromtimestamp(int(event_time), UTC) + timedelta(seconds=1)
