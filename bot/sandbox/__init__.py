"""Local stand-ins for the Slack Web API and PagerDuty REST API, and a signed driver.

`Sandbox` serves both APIs on 127.0.0.1 and keeps a workspace in memory;
`bot.sandbox.driver.Driver` sends the bot what Slack and PagerDuty would
(signed slash commands, events, interactions, webhooks). The bot reaches the
sandbox only through `SLACK_API_URL` and `PAGERDUTY_API_URL`.
"""

from bot.sandbox.demo import seed_demo_workspace, serve_forever
from bot.sandbox.pagerduty_api import PagerDutyCall, PagerDutyState
from bot.sandbox.sandbox import PAGERDUTY_WEBHOOK_SECRET, SIGNING_SECRET, Sandbox
from bot.sandbox.slack_state import Call, SlackWorkspace

__all__ = [
    "PAGERDUTY_WEBHOOK_SECRET",
    "SIGNING_SECRET",
    "Call",
    "PagerDutyCall",
    "PagerDutyState",
    "Sandbox",
    "SlackWorkspace",
    "seed_demo_workspace",
    "serve_forever",
]
