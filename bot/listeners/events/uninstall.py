"""`app_uninstalled` and `tokens_revoked`: forget the workspace's token, at once.

Handled before the answer, not after it: the inbox's replay of a lazy listener goes
through Bolt's authorization again, which a workspace without a token no longer
passes, and Slack should hear 2xx only once the token is gone (a database that
cannot take the delete answers 503, and Slack retries). Bolt asks no `auth.test`
for these two events, so they are answered in single-workspace mode too, where
there is no installation to delete: the database notes that SLACK_BOT_TOKEN is
refused, the jobs stop calling Slack with it (`bot.jobs.workspaces`) until `serve`
starts with a token that works, and the operator is told so in the log.

In multi-workspace mode the installation row goes (`bot.services.uninstalls`), so
every replica's next request from the workspace is refused and its follow-up jobs
stop (`bot.jobs.workspaces` reads the row before each workspace's turn); then the
installation store is told, which drops this process's cached authorizations of the
team (`bot.oauth`) and nothing else: a reinstall committed in between stays.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from bot.listeners.deps import deps_of
from bot.services import deliveries, uninstalls
from storage.repositories import token_refusals
from storage.repositories.installations import install_id

logger = logging.getLogger(__name__)

EVENTS = ("app_uninstalled", "tokens_revoked")


def register(app: App) -> None:
    store = app.installation_store

    def forget(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        on_forget(store, body, context)
        ack()

    for name in EVENTS:
        app.event(name)(forget)


def on_forget(store: InstallationStore | None, body: dict[str, Any], context: BoltContext) -> None:
    event = body.get("event") or {}
    team_id = context.team_id or body.get("team_id")
    enterprise_id = context.enterprise_id
    if not _bot_token_gone(event):
        return  # only people's tokens were revoked: the app asks for none, keeps none
    if store is None:
        _refuse_bot_token(body, context, str(event.get("type")))
        return
    key = install_id(enterprise_id, team_id, bool(context.is_enterprise_install))
    with deps_of(context).sessions.begin() as session:
        first = uninstalls.forget_workspace(
            session,
            install_id=key,
            team_id=team_id,
            event_id=body.get("event_id"),
            event_time=body.get("event_time"),
        )
    if not first:
        return
    # The row is gone already (deleting it again here could take a reinstall made since):
    # the store drops only this process's cached authorizations of the team.
    forget_cached = getattr(store, "forget_cached", None)
    if callable(forget_cached):
        forget_cached(enterprise_id=enterprise_id, team_id=team_id)
    logger.info("forgot the workspace event=%s team=%s", event.get("type"), team_id)


def _refuse_bot_token(body: dict[str, Any], context: BoltContext, reason: str) -> None:
    """Single-workspace mode: note in the database that SLACK_BOT_TOKEN is dead, so every
    replica's jobs stop calling Slack with it until `serve` starts with a working one."""
    with deps_of(context).sessions.begin() as session:
        if deliveries.first_time(session, "slack", body.get("event_id"), team_id=context.team_id):
            token_refusals.refuse(session, reason)
    logger.warning(
        "slack says %s team=%s: SLACK_BOT_TOKEN no longer works; the reminders, nudges and "
        "reviews stop until serve starts with a token that works: "
        "reinstall the app and set the new token",
        reason,
        context.team_id or body.get("team_id"),
    )


def _bot_token_gone(event: dict[str, Any]) -> bool:
    if event.get("type") != "tokens_revoked":
        return True
    return bool((event.get("tokens") or {}).get("bot"))
