"""Slack's answers that mean a bot token will never work again.

The app was uninstalled or the token revoked (`invalid_auth`, `token_revoked`), or the
workspace was deleted or the bot's account deactivated (`account_inactive`). One home
for the list: the follow-up deliveries stop their run on these instead of failing each
message, and the jobs' runner then stops the workspace (`bot.jobs.runner`).
"""

from __future__ import annotations

TOKEN_GONE = frozenset({"invalid_auth", "token_revoked", "account_inactive"})


def token_gone(error: BaseException) -> bool:
    """Whether `error` is a Slack Web API refusal of the token itself (duck-typed: the
    core layer does not import slack_sdk)."""
    response = getattr(error, "response", None)
    get = getattr(response, "get", None)
    return callable(get) and str(get("error")) in TOKEN_GONE
