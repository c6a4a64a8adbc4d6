"""`/postmortem tracker github owner/name` and `/postmortem me github <login>`.

The channel's repository is where its action items become GitHub issues (instead of
GITHUB_REPOSITORY); a person's login makes them the assignee of their items' issues.
Jira (`tracker jira KEY`, `me jira <email>`) is not built yet and says so.
"""

from __future__ import annotations

import re

from bot.core.slack_text import escape
from bot.errors import BadArguments
from bot.github.client import valid_repository
from bot.listeners.command_line import Family, Invocation
from bot.services import tickets as ticket_service

FAMILY = Family(__name__)

_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?")
JIRA_NOT_YET = "Jira is not supported yet: only GitHub Issues (`github`) for now."
TRACKER_USAGE = (
    "Usage: `/postmortem tracker github owner/name`, e.g. `tracker github acme/checkout`."
)
ME_USAGE = "Usage: `/postmortem me github <login>`, e.g. `me github bob-diaz`."


@FAMILY.subcommand(
    "tracker",
    usage="tracker [github owner/name]",
    summary="where this channel's action items become tickets (alone: where they go now)",
)
def tracker(invocation: Invocation) -> None:
    words, deps = invocation.command.words, invocation.deps
    if not words:
        with deps.sessions.begin() as session:
            named = ticket_service.channel_repository(
                session, invocation.team_id, invocation.channel_id
            )
        _say(invocation, _where(named, deps.settings.github_repository))
        return
    target = _github_value(words, TRACKER_USAGE)
    if not valid_repository(target):
        raise BadArguments(f"`{escape(target)}` is not a repository name. {TRACKER_USAGE}")
    with deps.sessions.begin() as session:
        ticket_service.set_channel_repository(
            session, invocation.team_id, invocation.channel_id, target, invocation.user_id
        )
    _say(invocation, f"This channel's action items now become issues in GitHub `{target}`.")


@FAMILY.subcommand(
    "me",
    usage="me github <login>",
    summary="your GitHub login, so the issues of your action items are assigned to you",
)
def me(invocation: Invocation) -> None:
    login = _github_value(invocation.command.words, ME_USAGE)
    login = login.removeprefix("@")
    if not _LOGIN.fullmatch(login):
        raise BadArguments(f"`{escape(login)}` is not a GitHub login. {ME_USAGE}")
    with invocation.deps.sessions.begin() as session:
        ticket_service.set_login(session, invocation.team_id, invocation.user_id, login)
    _say(invocation, f"Issues of your action items will be assigned to GitHub `{login}`.")


def _github_value(words: tuple[str, ...], usage: str) -> str:
    """The value after `github`; Jira is refused with the reason."""
    if words and words[0].lower() == "jira":
        raise BadArguments(JIRA_NOT_YET)
    if len(words) != 2 or words[0].lower() != "github":
        raise BadArguments(usage)
    return words[1]


def _where(named: str | None, default: str | None) -> str:
    if named:
        return f"This channel's action items become issues in GitHub `{named}`."
    if default:
        return f"This channel's action items become issues in GitHub `{default}` (the default)."
    return "No ticket system here yet: `/postmortem tracker github owner/name` names one."


def _say(invocation: Invocation, text: str) -> None:
    invocation.respond(text=text, response_type="ephemeral")
