"""`TicketReplay`: the inbox worker's handle for what the trackers said (`bot.flows.ticket_status`).

GitHub's and Jira's webhooks and the periodic sync record a `Reported` in the inbox
before they answer; this runs it: apply it to its item and say so in the thread, once.
What cannot be read is a dead letter at once; Slack's rate limit is retried after its
`Retry-After`; anything else raised is retried with the worker's backoff.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import build_client
from bot.config import Settings
from bot.errors import BadArguments
from bot.flows import ticket_status
from bot.inbox.worker import Handle, Permanent, Retry
from storage.repositories import installations
from storage.repositories.inbox import Claimed
from storage.secrets import TokenCipher, UnreadableSecret

SOURCES = ticket_status.SOURCES


class TicketReplay:
    def __init__(
        self, sessions: sessionmaker[Session], slack: WebClient, settings: Settings
    ) -> None:
        self._sessions, self._slack, self._settings = sessions, slack, settings

    def handle(self, item: Claimed) -> None:
        try:
            reported = ticket_status.Reported.from_json(item.payload)
        except BadArguments as error:
            raise Permanent(str(error)) from None
        owed = ticket_status.apply(
            self._sessions, self._settings, reported, period=f"i{item.id}", worker=item.worker
        )
        if owed is None:
            return
        try:
            ticket_status.say(self._sessions, self._slack_of(owed.change.team_id), owed)
        except SlackApiError as error:
            if error.response.get("error") != "ratelimited":
                raise
            after = (error.response.headers or {}).get("Retry-After")
            raise Retry(
                float(after) if after else None, "Slack rate-limited the ticket note"
            ) from None

    def _slack_of(self, team_id: str) -> WebClient:
        """Who says the line: the bot of SLACK_BOT_TOKEN, or in multi-workspace mode the
        item's workspace's installed bot (its token read now: an uninstall ends it)."""
        if not self._settings.oauth:
            return self._slack
        cipher = TokenCipher.from_setting(self._settings.require_token_encryption_key())
        try:
            with self._sessions() as session:
                row = installations.get(session, team_id, cipher)
        except UnreadableSecret as error:
            raise Permanent(f"the installation of {team_id} is unreadable: {error}") from None
        if row is None or not row.get("bot_token"):
            raise Permanent(f"no installation of {team_id}: the line is not said")
        return build_client(self._settings, token=str(row["bot_token"]))


def by_source(slack: Handle, tickets: Handle) -> Handle:
    """One `handle` for the worker: the trackers' items to `tickets`, the rest to `slack`."""

    def handle(item: Claimed) -> None:
        (tickets if item.source in SOURCES else slack)(item)

    return handle
