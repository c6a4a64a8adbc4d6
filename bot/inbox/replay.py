"""`SlackReplay`: the inbox worker's handle for Slack items, run again through the Bolt app.

Each item is rebuilt into the request Bolt would have handed its lazy listener:
the stored body (parsed by the edge's own reader), `lazy_only` and
`lazy_function_name` set to the recorded function, and a `Replay` in its context,
then dispatched through the same App. Bolt's middleware runs again (the workspace's
token is looked up, the `Deps` provided); its signature check does not, since it is
off (`bot.app.build_app`): the edge checked the signature when the request arrived,
and the timestamp of a replay is as old as the item. The function runs in the worker's
thread (`bot.inbox.recording.RecordingRunner.run`), and what it raised is raised here.

A dead letter is replayed once more with `Replay.notice_for` set: instead of the
function, the runner tells the person who asked (`bot.listeners.errors.tell_gave_up`).
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext, BoltResponse

from bot.http import slack_bodies
from bot.http.refusal import Refused
from bot.http.slack_requests import VerifiedRequest
from bot.inbox.recording import REPLAY, SOURCE, Replay
from bot.inbox.worker import Permanent, Retry
from storage.repositories.inbox import Claimed

logger = logging.getLogger(__name__)


class SlackReplay:
    """`handle` for `bot.inbox.Worker`, and `tell_gave_up` for its `on_dead`."""

    def __init__(self, app: App) -> None:
        self._app = app

    def handle(self, item: Claimed) -> None:
        replay = Replay(item_id=item.id)
        response = self._app.dispatch(request_of(item, replay))
        if replay.error is not None:
            raise replay.error
        if not replay.ran:
            raise _not_run(item, response)

    def tell_gave_up(self, item: Claimed, reason: str) -> None:
        replay = Replay(item_id=item.id, notice_for=item.id)
        try:
            request = request_of(item, replay)
        except Permanent:
            return  # unreadable: there is nobody to find in it
        self._app.dispatch(request)
        if replay.error is not None or not replay.ran:
            logger.warning(
                "inbox dead letter item=%d: could not tell who asked (%s)",
                item.id,
                replay.error or "the app did not reach the listener",
            )


def request_of(item: Claimed, replay: Replay) -> VerifiedRequest:
    """The request Bolt gives `item.handler`, rebuilt from what was recorded."""
    if item.source != SOURCE:
        raise Permanent(f"not a Slack item: source {item.source}")
    payload = item.payload.encode()
    try:
        body = slack_bodies.parse(payload, item.headers.get("content-type"))
        request = VerifiedRequest(
            body=body,
            raw_body=item.payload,
            headers=dict(item.headers),
            context=BoltContext({REPLAY: replay}),
        )
    except Refused as refused:
        raise Permanent(f"unreadable payload: {refused.reason}") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        raise Permanent(f"Bolt cannot read the payload: {type(error).__name__}") from None
    request.lazy_only = True
    request.lazy_function_name = item.handler
    return request


def _not_run(item: Claimed, response: BoltResponse) -> Exception:
    """The app answered without reaching the function: its middleware refused or failed."""
    if response.status == 429 or response.status >= 500:
        return Retry(reason=f"the Slack app answered {response.status} before {item.handler} ran")
    return Permanent(f"no listener ran {item.handler} (the app answered {response.status})")
