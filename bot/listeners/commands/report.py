"""`/postmortem report [here]`, `/postmortem publish` and `/postmortem share [revoke]`.

Anyone in the channel may preview the report; publishing, sharing and revoking are its
lead's or an admin's (`bot.services.permissions`), and anyone else is told so privately.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.report_text import as_typed
from bot.documents.render import markdown_document
from bot.errors import BadArguments
from bot.flows import publishing
from bot.listeners import acting
from bot.listeners.command_line import Command, Family, Invocation
from bot.services import permissions
from bot.services import report as report_service
from bot.services.permissions import Action
from bot.slack import limits, report_blocks

HERE = "here"
REVOKE = "revoke"


FAMILY = Family(__name__)


@FAMILY.subcommand(
    "report",
    usage="report [here]",
    summary="preview the report: only to you, or `here` in the post-mortem's thread",
)
def report(invocation: Invocation) -> None:
    """A preview: only to the caller, or with `here` in the post-mortem's thread (with the file)."""
    here = _one_word(invocation.command, HERE)
    deps, client = invocation.deps, invocation.client
    with deps.sessions.begin() as session:
        postmortem_id = report_service.postmortem_in_channel(
            session, invocation.team_id, invocation.channel_id
        )
        target = report_service.target(session, postmortem_id)
        report_now = report_service.assemble(session, postmortem_id, now=deps.clock())
    people = publishing.names_of(client, report_now)
    url = publishing.share_url(deps.settings, target.share_token)
    text, blocks = report_blocks.summary(
        report_now, people, deps.templates, postmortem_id=postmortem_id, url=url, preview=True
    )
    if not here:
        invocation.respond(
            response_type="ephemeral", text=text, blocks=blocks, replace_original=False
        )
        return
    limits.post_in_thread(client, target.channel_id, target.thread_ts, text, blocks)
    client.files_upload_v2(
        channel=target.channel_id,
        thread_ts=target.thread_ts,
        content=markdown_document(report_now, people, deps.templates, link=url),
        filename=f"preview-{publishing.filename(report_now)}",
        title=f"Preview: {as_typed(report_now.header.dated_title)}",
    )


@FAMILY.subcommand(
    "publish",
    usage="publish",
    summary="post the report's summary and Markdown file here (again: update that message); "
    "lead or admin only",
)
def publish(invocation: Invocation) -> None:
    deps, parsed = invocation.deps, invocation.command
    if parsed.words:
        raise BadArguments(f"`publish` takes no words. Usage: `/postmortem {parsed.usage}`")
    with deps.sessions.begin() as session:
        postmortem_id = _allowed(session, Action.PUBLISH, invocation)
    outcome = publishing.publish(
        deps,
        invocation.client,
        team_id=invocation.team_id,
        postmortem_id=postmortem_id,
        user_id=invocation.user_id,
        request_id=invocation.trigger_id,
    )
    invocation.respond(response_type="ephemeral", text=outcome.words())


@FAMILY.subcommand(
    "share",
    usage="share [revoke]",
    summary="a link to a read-only page of the report; `revoke` turns it off; lead or admin only",
)
def share(invocation: Invocation) -> None:
    """The read-only page's link (made on first use), or with `revoke`, the link turned off."""
    if _one_word(invocation.command, REVOKE):
        _revoke(invocation)
        return
    deps, team_id, now = invocation.deps, invocation.team_id, invocation.deps.clock()
    with deps.sessions.begin() as session:
        postmortem_id = _allowed(session, Action.SHARE, invocation)
        report_now = report_service.assemble(session, postmortem_id, now=now)
    people = publishing.names_of(invocation.client, report_now)
    with deps.sessions.begin() as session:
        token = report_service.share(
            session, team_id, postmortem_id, by=invocation.user_id, now=now, names=people.known
        )
    url = publishing.share_url(deps.settings, token)
    invocation.respond(
        response_type="ephemeral",
        text=f"Anyone with this link can read the report (read-only, always the latest): {url}\n"
        "`/postmortem share revoke` turns the link off.",
    )


def _revoke(invocation: Invocation) -> None:
    deps, team_id = invocation.deps, invocation.team_id
    with deps.sessions.begin() as session:
        postmortem_id = _allowed(session, Action.REVOKE, invocation)
        revoked = report_service.revoke(
            session, team_id, postmortem_id, by=invocation.user_id, now=deps.clock()
        )
    if not revoked:
        invocation.respond(response_type="ephemeral", text="The report has no live link to revoke.")
        return
    publishing.redraw(deps, invocation.client, postmortem_id)
    invocation.respond(
        response_type="ephemeral",
        text="The link is revoked: it now answers 404. `/postmortem share` makes a new one.",
    )


def _allowed(session: Session, action: Action, invocation: Invocation) -> int:
    """The channel's post-mortem, if the person who typed the command may do `action`."""
    postmortem_id = report_service.postmortem_in_channel(
        session, invocation.team_id, invocation.channel_id
    )
    permissions.postmortem(session, action, acting.of_invocation(invocation), postmortem_id)
    return postmortem_id


def _one_word(parsed: Command, word: str) -> bool:
    """Whether the only word after the subcommand is `word` (nothing at all: False)."""
    words = [w.lower() for w in parsed.words]
    if not words:
        return False
    if words != [word]:
        raise BadArguments(f"Usage: `/postmortem {parsed.usage}`")
    return True
