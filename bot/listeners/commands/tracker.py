"""`/postmortem tracker github owner/name | jira KEY` and `/postmortem me github <login> |
jira <email>`.

The channel's tracker is where its action items become tickets (instead of the
deployment's GITHUB_REPOSITORY or JIRA_PROJECT); a person's identity there makes them
the assignee of their items' tickets: a GitHub login, or the email of their Atlassian
account, which the bot looks up in Jira for its accountId when it files.
"""

from __future__ import annotations

import re

from bot.core.slack_text import escape
from bot.errors import BadArguments
from bot.github.client import valid_repository
from bot.jira.client import valid_project
from bot.listeners.command_line import Family, Invocation
from bot.services import tickets as ticket_service
from bot.services.tickets import GITHUB, JIRA

FAMILY = Family(__name__)

_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?")
_EMAIL = re.compile(r"[^@\s<>|]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
TRACKER_USAGE = (
    "Usage: `/postmortem tracker github owner/name` or `/postmortem tracker jira KEY`, "
    "e.g. `tracker github acme/checkout`, `tracker jira OPS`."
)
ME_USAGE = (
    "Usage: `/postmortem me github <login>` or `/postmortem me jira <email>`, "
    "e.g. `me github bob-diaz`, `me jira bob@acme.com`."
)
_NAMES = {GITHUB: "GitHub", JIRA: "Jira"}


@FAMILY.subcommand(
    "tracker",
    usage="tracker [github owner/name | jira KEY]",
    summary="where this channel's action items become tickets (alone: where they go now)",
)
def tracker(invocation: Invocation) -> None:
    words, deps = invocation.command.words, invocation.deps
    if not words:
        with deps.sessions.begin() as session:
            named = ticket_service.channel_tracker(
                session, invocation.team_id, invocation.channel_id
            )
        _say(invocation, _where(named, _default(invocation)))
        return
    system, target = _system_value(words, TRACKER_USAGE)
    if system == JIRA:
        target = target.upper()
        if not valid_project(target):
            raise BadArguments(f"`{escape(target)}` is not a Jira project key. {TRACKER_USAGE}")
    elif not valid_repository(target):
        raise BadArguments(f"`{escape(target)}` is not a repository name. {TRACKER_USAGE}")
    with deps.sessions.begin() as session:
        ticket_service.set_channel_tracker(
            session, invocation.team_id, invocation.channel_id, system, target, invocation.user_id
        )
    _say(invocation, f"This channel's action items now become {_place(system, target)}.")


@FAMILY.subcommand(
    "me",
    usage="me github <login> | me jira <email>",
    summary="who you are in GitHub or Jira, so your action items' tickets are assigned to you",
)
def me(invocation: Invocation) -> None:
    system, value = _system_value(invocation.command.words, ME_USAGE)
    if system == JIRA:
        value = re.sub(r"^<mailto:([^|>]+)\|[^>]*>$", r"\1", value)  # Slack links an email
        if not _EMAIL.fullmatch(value):
            raise BadArguments(f"`{escape(value)}` is not an email address. {ME_USAGE}")
        said = f"Jira issues of your action items will be assigned to the account of `{value}`."
    else:
        value = value.removeprefix("@")
        if not _LOGIN.fullmatch(value):
            raise BadArguments(f"`{escape(value)}` is not a GitHub login. {ME_USAGE}")
        said = f"Issues of your action items will be assigned to GitHub `{value}`."
    with invocation.deps.sessions.begin() as session:
        ticket_service.set_identity(session, invocation.team_id, invocation.user_id, system, value)
    _say(invocation, said)


def _system_value(words: tuple[str, ...], usage: str) -> tuple[str, str]:
    """(`github` or `jira`, the value after it)."""
    if len(words) != 2 or words[0].lower() not in _NAMES:
        raise BadArguments(usage)
    return words[0].lower(), words[1]


def _default(invocation: Invocation) -> tuple[str, str] | None:
    settings = invocation.deps.settings
    if settings.github_repository:
        return GITHUB, settings.github_repository
    if settings.jira_project:
        return JIRA, settings.jira_project
    return None


def _place(system: str, target: str) -> str:
    if system == JIRA:
        return f"issues in Jira project `{target}`"
    return f"issues in GitHub `{target}`"


def _where(named: tuple[str, str] | None, default: tuple[str, str] | None) -> str:
    if named:
        return f"This channel's action items become {_place(*named)}."
    if default:
        return f"This channel's action items become {_place(*default)} (the default)."
    return (
        "No ticket system here yet: `/postmortem tracker github owner/name` or "
        "`/postmortem tracker jira KEY` names one."
    )


def _say(invocation: Invocation, text: str) -> None:
    invocation.respond(text=text, response_type="ephemeral")
