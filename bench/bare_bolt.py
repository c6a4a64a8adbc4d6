"""The baseline for bench/ack_latency.py: a bare Bolt app wired the way Bolt's docs show.

Bolt's Starlette adapter, `process_before_response` off, a listener that only acks.
Run: python bench/bare_bolt.py PORT SIGNING_SECRET SLACK_API_URL BOT_TOKEN
(its one auth.test goes to the sandbox, as the bot's does)
"""

from __future__ import annotations

import sys

import uvicorn
from slack_bolt import Ack, App
from slack_bolt.adapter.starlette import SlackRequestHandler
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build(signing_secret: str, api_url: str, token: str) -> Starlette:
    app = App(client=WebClient(token=token, base_url=api_url), signing_secret=signing_secret)

    @app.command("/postmortem")
    def acknowledge(ack: Ack) -> None:
        ack()

    handler = SlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        return Response("ok")

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


if __name__ == "__main__":
    port, secret, api_url, token = int(sys.argv[1]), *sys.argv[2:5]
    uvicorn.run(build(secret, api_url, token), host="127.0.0.1", port=port, log_level="warning")
