"""`/postmortem report [here]`, `/postmortem publish` and `/postmortem share [revoke]`."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import BadArguments
from bot.flows import publishing
from bot.listeners import command_line
from bot.listeners.deps import deps_of
from bot.report_render import markdown_document
from bot.services import report as report_service
from bot.slack import report_blocks

HERE = "here"
REVOKE = "revoke"


def report(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """A preview: only to the caller, or with `here` in the post-mortem's thread (with the file)."""
    here = _one_word(parsed, HERE)
    deps = deps_of(context)
    with deps.sessions.begin() as session:
        postmortem_id = report_service.postmortem_in_channel(
            session, body["team_id"], body["channel_id"]
        )
        target = report_service.target(session, postmortem_id)
        report_now = report_service.assemble(session, postmortem_id, now=deps.clock())
    people = publishing.names_of(client, report_now)
    url = publishing.share_url(deps.settings, target.share_token)
    text, blocks = report_blocks.summary(
        report_now, people, deps.templates, postmortem_id=postmortem_id, url=url, preview=True
    )
    if not here:
        respond(response_type="ephemeral", text=text, blocks=blocks, replace_original=False)
        return
    client.chat_postMessage(
        channel=target.channel_id, thread_ts=target.thread_ts, text=text, blocks=blocks
    )
    client.files_upload_v2(
        channel=target.channel_id,
        thread_ts=target.thread_ts,
        content=markdown_document(report_now, people, deps.templates, link=url),
        filename=f"preview-{publishing.filename(report_now)}",
        title=f"Preview: {report_now.header.dated_title}",
    )


def publish(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    deps = deps_of(context)
    if parsed.words:
        raise BadArguments(f"`publish` takes no words. Usage: `/postmortem {_usage('publish')}`")
    with deps.sessions.begin() as session:
        postmortem_id = report_service.postmortem_in_channel(
            session, body["team_id"], body["channel_id"]
        )
    outcome = publishing.publish(
        deps, client, team_id=body["team_id"], postmortem_id=postmortem_id, user_id=body["user_id"]
    )
    respond(response_type="ephemeral", text=outcome.words())


def share(
    parsed: command_line.Command,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """The read-only page's link (made on first use), or with `revoke`, the link turned off."""
    if _one_word(parsed, REVOKE):
        _revoke(body, client, respond, context)
        return
    deps = deps_of(context)
    team_id, now = body["team_id"], deps.clock()
    with deps.sessions.begin() as session:
        postmortem_id = report_service.postmortem_in_channel(session, team_id, body["channel_id"])
        report_now = report_service.assemble(session, postmortem_id, now=now)
    people = publishing.names_of(client, report_now)
    with deps.sessions.begin() as session:
        token = report_service.share(
            session, team_id, postmortem_id, by=body["user_id"], now=now, names=people.known
        )
    url = publishing.share_url(deps.settings, token)
    respond(
        response_type="ephemeral",
        text=f"Anyone with this link can read the report (read-only, always the latest): {url}\n"
        "`/postmortem share revoke` turns the link off.",
    )


def _revoke(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    deps = deps_of(context)
    with deps.sessions.begin() as session:
        postmortem_id = report_service.postmortem_in_channel(
            session, body["team_id"], body["channel_id"]
        )
        revoked = report_service.revoke(
            session, body["team_id"], postmortem_id, by=body["user_id"], now=deps.clock()
        )
    if not revoked:
        respond(response_type="ephemeral", text="The report has no live link to revoke.")
        return
    publishing.redraw(deps, client, postmortem_id)
    respond(
        response_type="ephemeral",
        text="The link is revoked: it now answers 404. `/postmortem share` makes a new one.",
    )


def _one_word(parsed: command_line.Command, word: str) -> bool:
    """Whether the only word after the subcommand is `word` (nothing at all: False)."""
    words = [w.lower() for w in parsed.words]
    if not words:
        return False
    if words != [word]:
        raise BadArguments(f"Usage: `/postmortem {_usage(parsed.name)}`")
    return True


def _usage(name: str) -> str:
    return command_line.BY_NAME[name].usage


HANDLERS = {"report": report, "publish": publish, "share": share}
