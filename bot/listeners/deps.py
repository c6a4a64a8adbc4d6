"""The `Deps` of a request, handed to listeners through Bolt's per-request context.

A global middleware (see `bot.app`) puts one `bot.flows.deps.Deps` into every
request's context; `deps_of` takes it out again.
"""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.flows.deps import Deps


def deps_of(context: BoltContext) -> Deps:
    return context["deps"]
