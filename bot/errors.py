"""The bot's exception tree.

    BotError                 anything the bot raises on purpose
    ├── UserError            a person asked for something we cannot do; the message is for them
    │   ├── BadArguments     a command or field could not be understood
    │   ├── NotFound         the thing they named does not exist
    │   └── NotAllowed       they may not do it (bot.services.permissions says who may)
    ├── ConfigError          a setting is missing or malformed (the CLI exits 2)
    ├── SchemaBehind         the database needs `postmortem-bot migrate`
    ├── UpstreamError        Slack or PagerDuty answered with an error we could not recover from
    ├── Unavailable          something needed at start is not there: the database or Slack
    │                        cannot be reached, the port is taken (the CLI exits 2)
    └── storage.secrets.UnreadableSecret
                             a stored token no TOKEN_ENCRYPTION_KEY decrypts

Not in this tree on purpose: `bot.inbox.HandlerSignal` (Retry, Permanent) tells the inbox
worker what to do with an item; it is a control signal, not an error for a person.

Errors are raised where they are found and turned into words for a person at
the edge: the Slack error hook, an HTTP route, or the CLI.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises deliberately."""


class UserError(BotError):
    """Shown to the person who asked, as it is; write it for them."""


class BadArguments(UserError):
    """A command or a field could not be understood."""


class NotFound(UserError):
    """What the person named does not exist (or is not theirs to see)."""


class NotAllowed(UserError):
    """The person may not do this (or not from here); the message says who may."""


class ConfigError(BotError):
    """A setting is missing or malformed."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


class SchemaBehind(BotError):
    """The database schema is older than the code."""


class UpstreamError(BotError):
    """Slack or PagerDuty refused a call in a way retrying will not fix."""


class Unavailable(BotError):
    """Something the bot needs to start cannot be reached or used; the message says what to do."""
