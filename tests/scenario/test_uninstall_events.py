"""Single-workspace mode (SLACK_BOT_TOKEN): Slack's uninstall events are acknowledged.

Slack sends `app_uninstalled` and `tokens_revoked` to every app subscribed to them,
and retries what is not answered 2xx. With one configured token there is no
installation to delete; the operator is told in the log that the token no longer works.
"""

from __future__ import annotations

from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import Driver

GONE = "SLACK_BOT_TOKEN no longer works"


def test_an_uninstall_is_acknowledged_and_the_operator_told(
    bot: BotProcess, driver: Driver
) -> None:
    response = driver.deliver_event({"type": "app_uninstalled"})

    assert response.status_code == 200
    assert GONE in bot.log()
    assert "Traceback" not in bot.log()


def test_revoked_peoples_tokens_alone_are_acknowledged_and_change_nothing(
    bot: BotProcess, driver: Driver
) -> None:
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U0ALICE"], "bot": []}}

    response = driver.deliver_event(revoked)

    assert response.status_code == 200
    assert GONE not in bot.log(), "the bot token still works"


def test_a_revoked_bot_token_is_acknowledged_and_the_operator_told(
    bot: BotProcess, driver: Driver
) -> None:
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["B0SANDBOX"]}}

    response = driver.deliver_event(revoked)

    assert response.status_code == 200
    assert GONE in bot.log()
