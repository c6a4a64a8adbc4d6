"""People's names as Slack has them, asked once per user per run (their timezone is
`bot.flows.timezones`')."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.report_text import is_user_id

logger = logging.getLogger(__name__)


class UserNames:
    """Names for user ids (anything else, like a PagerDuty agent's name, passes through)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._users: dict[str, dict[str, Any] | None] = {}

    def name(self, actor: str | None) -> str:
        if not actor:
            return ""
        user = self._user(actor) if is_user_id(actor) else None
        if user is None:
            return actor
        profile = user.get("profile") or {}
        return profile.get("real_name") or user.get("real_name") or user.get("name") or actor

    def _user(self, user_id: str) -> dict[str, Any] | None:
        if user_id not in self._users:
            try:
                self._users[user_id] = self._client.users_info(user=user_id)["user"]
            except SlackApiError as error:
                code = error.response.get("error")
                logger.info("users.info failed user=%s error=%s", user_id, code)
                self._users[user_id] = None
        return self._users[user_id]
