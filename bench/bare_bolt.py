"""The baseline for bench/ack_latency.py: the framework's floor, a bare Bolt app wired well.

Nothing but what any Bolt app over HTTP needs, each part the fastest way Bolt offers it:
- an ack-only `/postmortem` command listener and an ack-only message event listener;
- `process_before_response=True`: the listener runs in the request thread and the
  answer leaves when it returns (the default mode polls for the ack with sleep(0.01));
- served by uvicorn through Starlette, with the synchronous `App.dispatch` run in the
  thread pool (`starlette.concurrency.run_in_threadpool`) so the event loop stays free
  (Bolt's own Starlette handler calls it on the loop: one request at a time);
- Bolt's own signature check, with the bot's signing secret.
Run: python bench/bare_bolt.py PORT SIGNING_SECRET SLACK_API_URL BOT_TOKEN
(its one auth.test goes to the sandbox, as the bot's does)
"""

from __future__ import annotations

import sys

import uvicorn
from slack_bolt import Ack, App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build(signing_secret: str, api_url: str, token: str) -> Starlette:
    app = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        process_before_response=True,
    )

    @app.command("/postmortem")
    def acknowledge_command(ack: Ack) -> None:
        ack()

    @app.event("message")
    def acknowledge_message(ack: Ack) -> None:
        ack()

    async def events(request: Request) -> Response:
        body = await request.body()
        answer = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(answer)

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
    app = build(secret, api_url, token)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
