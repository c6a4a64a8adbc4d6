"""`BackfillReplay`: the inbox worker's handle for a backfill Slack's rate limit paused.

`bot.flows.gathering` keeps the resume as an inbox item due after Retry-After
(`bot.services.backfill_resume`); this carries it on with the workspace's bot: the one
SLACK_BOT_TOKEN, or in multi-workspace mode the installation's token, read now (a
workspace that uninstalled meanwhile has nothing left to read with: the item is done,
and the timeline keeps saying what was not read). What cannot be read is a dead
letter at once.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.clients import installed_bot
from bot.errors import BadArguments
from bot.flows import gathering
from bot.flows.deps import Deps
from bot.inbox.worker import Handle, Permanent
from bot.services import backfill_resume
from storage.repositories.inbox import Claimed
from storage.secrets import UnreadableSecret

logger = logging.getLogger(__name__)

SOURCE = backfill_resume.SOURCE


class BackfillReplay:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def handle(self, item: Claimed) -> None:
        try:
            reading = gathering.Resume.from_json(item.payload)
        except BadArguments as error:
            raise Permanent(str(error)) from None
        client = self.client_for(item.team_id)
        if client is None:
            logger.info("backfill not resumed: team=%s is not installed", item.team_id)
            return
        try:
            gathering.resume(self._deps, client, reading)
        except BadArguments as error:
            raise Permanent(str(error)) from None

    def client_for(self, team_id: str | None) -> WebClient | None:
        """The bot that reads for `team_id` now; None once the workspace is gone."""
        if not self._deps.settings.oauth:
            return self._deps.clients.slack
        if not team_id:
            return None
        try:
            return installed_bot(self._deps.settings, self._deps.sessions, team_id)
        except UnreadableSecret as error:
            raise Permanent(f"the installation of {team_id} is unreadable: {error}") from None


def with_backfills(other: Handle, backfills: Handle) -> Handle:
    """One `handle` for the worker: paused backfills to `backfills`, the rest to `other`."""

    def handle(item: Claimed) -> None:
        (backfills if item.source == SOURCE else other)(item)

    return handle
