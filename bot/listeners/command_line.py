"""The text after `/postmortem`: how a subcommand is declared, parsed and handed to its handler.

A family module declares each subcommand it handles once, on the handler itself:

    FAMILY = Family(__name__)

    @FAMILY.subcommand("timeline", usage="timeline", summary="show the key timeline")
    def timeline(invocation: Invocation) -> None: ...

`bot.listeners.commands.registry` collects the families; `help`, parsing and
dispatch all read that one registry.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.core.manual_time import EXAMPLES, TimeNotUnderstood, parse_moment
from bot.core.slack_text import escape
from bot.errors import BadArguments, BotError
from bot.flows.deps import Deps

SEVERITIES = ("P1", "P2", "P3", "P4", "P5", "SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
# shlex slows down faster than the text grows (1 MB took 7.6 s, past Slack's 3 s for the
# ack); 4,000 characters split in about a millisecond and hold any title or timeline line.
MAX_COMMAND_CHARS = 4000
TOO_LONG = (
    "That's {count:,} characters, longer than a `/postmortem` command can be "
    f"({MAX_COMMAND_CHARS:,}). Shorten it, and post the details in the post-mortem's thread."
)

OptionParser = Callable[[str], str]
Handler = Callable[["Invocation"], None]


class RegistryError(BotError):
    """A subcommand declared without a handler, twice, or not so that it could be typed."""


@dataclass(frozen=True)
class Subcommand:
    """One subcommand as `help` shows it and the parser reads it, with the function that runs it.

    `handler` is None only while declared and not yet given one: the registry refuses that.
    `in_ack`: answered inside Slack's 3 seconds (so it must be instant); the rest run after.
    It may depend on what was typed: a modal must open in the ack (its trigger expires in
    3 seconds), while the same subcommand with words does its work after it.
    """

    name: str
    usage: str
    summary: str
    handler: Handler | None = None
    options: Mapping[str, OptionParser] = field(default_factory=dict)
    in_ack: bool | Callable[[Command], bool] = False

    def answers_in_ack(self, command: Command) -> bool:
        return self.in_ack(command) if callable(self.in_ack) else self.in_ack


@dataclass(frozen=True)
class Command:
    """What the person typed, parsed: `typed` is what followed the name, exactly as typed."""

    name: str
    words: tuple[str, ...]
    options: dict[str, str]
    usage: str = ""
    typed: str = ""

    @property
    def rest(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Invocation:
    """Everything a handler gets: the parsed command, who and where, and how to answer."""

    command: Command
    team_id: str
    user_id: str
    channel_id: str
    client: WebClient
    respond: Callable[..., Any]  # Bolt's `respond`; `ack` itself for an `in_ack` subcommand
    deps: Deps
    context: BoltContext  # `gathering.gather` reads the bot's own user and bot ids from it
    trigger_id: str | None = None  # unique per invocation: `event` keys its timeline line on it


class Family:
    """The subcommands one module handles, each declared on its handler with `@subcommand`."""

    def __init__(self, module: str) -> None:
        self.module = module  # where they are declared, for the registry's errors
        self._declared: dict[str, Subcommand] = {}

    @property
    def subcommands(self) -> tuple[Subcommand, ...]:
        return tuple(self._declared.values())

    def subcommand(
        self,
        name: str,
        *,
        usage: str,
        summary: str,
        options: Mapping[str, OptionParser] | None = None,
        in_ack: bool | Callable[[Command], bool] = False,
    ) -> Callable[[Handler], Handler]:
        """Declare `name` now; the function this decorates becomes its handler."""
        if name in self._declared:
            raise RegistryError(f"{self.module} declares `/postmortem {name}` twice")
        declared = Subcommand(name, usage, summary, options=dict(options or {}), in_ack=in_ack)
        self._declared[name] = declared

        def handled_by(handler: Handler) -> Handler:
            if self._declared[name].handler is not None:
                raise RegistryError(
                    f"{self.module} gives `/postmortem {name}` a second handler, {handler.__name__}"
                )
            self._declared[name] = replace(declared, handler=handler)
            return handler

        return handled_by


def parse(text: str, known: Mapping[str, Subcommand]) -> Command:
    """Split `text` into one of the `known` subcommands, its `--options` and its words."""
    if len(text) > MAX_COMMAND_CHARS:
        raise BadArguments(TOO_LONG.format(count=len(text)))
    words = _split(text)
    if not words:
        return Command("help", (), {}, usage=known["help"].usage)
    name, *args = words
    name = name.lower()
    if name not in known:
        raise BadArguments(f"I don't know `{_quote(name)}`. {help_hint(known.values())}")
    options, rest = _options(known[name], args)
    return Command(name, tuple(rest), options, usage=known[name].usage, typed=_typed(text))


def help_text(subcommands: Iterable[Subcommand]) -> str:
    lines = [f"• `/postmortem {sub.usage}` — {sub.summary}" for sub in subcommands]
    return "*What `/postmortem` can do*\n" + "\n".join(lines)


def help_hint(subcommands: Iterable[Subcommand]) -> str:
    names = ", ".join(f"`{sub.name}`" for sub in subcommands)
    return f"Try one of {names}, or `/postmortem help`."


def severity(value: str) -> str:
    normalised = value.strip().upper()
    if normalised not in SEVERITIES:
        raise BadArguments(
            f"`{_quote(value)}` is not a severity; use one of {', '.join(SEVERITIES[:5])}."
        )
    return normalised


def since(value: str) -> str:
    """Checked now so a typo is answered at once; read in the person's timezone later."""
    try:
        parse_moment(value, now=datetime.now(UTC), zone=UTC)
    except TimeNotUnderstood as error:
        examples = ", ".join(f'`--since "{example}"`' for example in EXAMPLES)
        raise BadArguments(f"{escape(str(error))} Try {examples}.") from None
    return value.strip()


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text.strip())
    except ValueError:
        # An unbalanced quote in a title is not an error a person should have to fix.
        return text.split()


def _typed(text: str) -> str:
    """What follows the subcommand's name, exactly as typed (quotes and all)."""
    parts = text.strip().split(maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def _options(sub: Subcommand, args: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    rest: list[str] = []
    if not sub.options:
        return options, args  # free text, like an event's, may well contain "--"
    items = iter(args)
    for word in items:
        if not word.startswith("--"):
            rest.append(word)
            continue
        key = word[2:].lower()
        if key not in sub.options:
            raise BadArguments(
                f"`{sub.name}` has no option `{_quote(word)}`. Usage: `/postmortem {sub.usage}`"
            )
        value = next(items, None)
        if value is None:
            raise BadArguments(f"`{_quote(word)}` needs a value. Usage: `/postmortem {sub.usage}`")
        options[key] = sub.options[key](value)
    return options, rest


def _quote(text: str) -> str:
    """Echo user input safely inside Slack code spans."""
    return escape(text.replace("`", "'"))[:60]
