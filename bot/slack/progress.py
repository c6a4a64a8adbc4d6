"""A message in a thread that says how far a long job got, edited in place as it goes.

One message a job: posted once, then only edited, so the interview's questions
around it are never interleaved with progress lines; its text is kept within
Slack's limits like every other message (`bot.slack.limits`)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import limits

logger = logging.getLogger(__name__)

READING_SOON = "Reading this channel's history into the timeline…"


class ProgressMessage:
    """Posted on the first `show`, updated with chat.update afterwards.

    A progress line that cannot be posted is not worth stopping the job for; it is
    logged and the job carries on."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str | None) -> None:
        self._client = client
        self._channel = channel
        self._thread_ts = thread_ts
        self.ts: str | None = None

    def show(self, text: str) -> None:
        try:
            if self.ts is None:
                posted = self._client.chat_postMessage(
                    channel=self._channel, thread_ts=self._thread_ts, text=_fit(text)
                )
                self.ts = posted["ts"]
            else:
                self._client.chat_update(channel=self._channel, ts=self.ts, text=_fit(text))
        except SlackApiError as error:
            logger.warning(
                "progress message not shown channel=%s error=%s",
                self._channel,
                error.response.get("error"),
            )


def _fit(text: str) -> str:
    return limits.shorten(text, limits.MESSAGE_TEXT)
