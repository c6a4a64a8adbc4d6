"""A bot killed (SIGKILL) while it publishes a person's Home publishes it after the restart.

Alice opens the Home tab; the bot has recorded the event and is drawing her Home when
it dies, its `views.publish` never reaching Slack. The inbox replays the recorded
event on the next start, and Alice's Home is there without her opening the tab again.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.bot_process import free_port, running_bot
from bot.sandbox.reading import visible_text
from storage.models import utcnow
from tests.followup_seed import add_item, add_postmortem
from tests.scenario.conftest import INCIDENT_CHANNEL
from tests.scenario.test_crash_posts import WAIT, _kill_while_held
from tests.scenario.test_durable import SETTINGS, _driver, db

__all__ = ["db"]  # the fixture, shared with the other crash scenarios

ALICE = "U0ALICE"


def test_killed_before_the_home_reached_slack_the_restart_publishes_it(
    sandbox: Sandbox, database_url: str, db: sessionmaker[Session]
) -> None:
    port = free_port()
    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS) as bot:
        pm = add_postmortem(
            db, channel_id=INCIDENT_CHANNEL, lead=ALICE, title="Checkout", created_at=utcnow()
        )
        add_item(db, pm, 1, ALICE, "Add pool metrics")
        sandbox.latency.hold("views.publish")
        assert _driver(bot, sandbox).open_home(ALICE).status_code == 200
        _kill_while_held(sandbox, bot, "views.publish", reaches_slack=False)
    assert sandbox.slack.home_view(ALICE) is None, "the bot died before Slack had the Home"

    with running_bot(sandbox, database_url=database_url, port=port, extra_env=SETTINGS):
        sandbox.wait_for(lambda: sandbox.slack.home_view(ALICE) is not None, timeout=WAIT)

    text = visible_text(sandbox.slack.home_view(ALICE) or {})
    assert "Add pool metrics" in text and "Checkout" in text
