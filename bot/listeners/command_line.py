"""Parsing the text after `/postmortem`: a subcommand, then its arguments."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.manual_time import EXAMPLES, TimeNotUnderstood, parse_moment
from bot.errors import BadArguments
from bot.slack.text import escape


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    options: tuple[str, ...] = ()


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "start",
        'start [--severity P1] [--since "2026-11-24 13:50"] [PagerDuty incident id or URL] [title]',
        "open the post-mortem of this channel and gather its timeline",
        options=("severity", "since"),
    ),
    Subcommand(
        "event",
        "event [time] [what happened]",
        "add a line to the timeline (in your timezone, or say UTC)",
    ),
    Subcommand(
        "link",
        "link [PagerDuty incident id or URL]",
        "add a PagerDuty incident's events to the timeline",
    ),
    Subcommand("timeline", "timeline", "show the key timeline and attach the full one"),
    Subcommand("interview", "interview", "ask the interview's open question again in the thread"),
    Subcommand(
        "actions",
        "actions [all]",
        "your open action items; `all`: every item of this channel's post-mortem",
    ),
    Subcommand(
        "followup",
        "followup [date]",
        "move the follow-up review of this channel's post-mortem (lead only)",
    ),
    Subcommand(
        "report",
        "report [here]",
        "preview the report: only to you, or `here` in the post-mortem's thread",
    ),
    Subcommand(
        "publish",
        "publish",
        "post the report's summary and Markdown file here (again: update that message)",
    ),
    Subcommand(
        "share",
        "share [revoke]",
        "a link to a read-only page of the report; `revoke` turns it off",
    ),
    Subcommand("help", "help", "list what /postmortem can do"),
)
BY_NAME = {sub.name: sub for sub in SUBCOMMANDS}
SEVERITIES = ("P1", "P2", "P3", "P4", "P5", "SEV1", "SEV2", "SEV3", "SEV4", "SEV5")


@dataclass(frozen=True)
class Command:
    name: str
    words: tuple[str, ...]
    options: dict[str, str]

    @property
    def rest(self) -> str:
        return " ".join(self.words)


def parse(text: str) -> Command:
    """Split `text` into a known subcommand, its `--options` and its words."""
    words = _split(text)
    if not words:
        return Command("help", (), {})
    name, *args = words
    name = name.lower()
    if name not in BY_NAME:
        raise BadArguments(f"I don't know `{_quote(name)}`. {help_hint()}")
    options, rest = _options(name, args)
    return Command(name, tuple(rest), options)


def help_text() -> str:
    lines = [f"• `/postmortem {sub.usage}` — {sub.summary}" for sub in SUBCOMMANDS]
    return "*What `/postmortem` can do*\n" + "\n".join(lines)


def help_hint() -> str:
    names = ", ".join(f"`{sub.name}`" for sub in SUBCOMMANDS)
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


OPTION_PARSERS = {"severity": severity, "since": since}


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text.strip())
    except ValueError:
        # An unbalanced quote in a title is not an error a person should have to fix.
        return text.split()


def _options(name: str, args: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    rest: list[str] = []
    if not BY_NAME[name].options:
        return options, args  # free text, like an event's, may well contain "--"
    items = iter(args)
    for word in items:
        if not word.startswith("--"):
            rest.append(word)
            continue
        key = word[2:].lower()
        if key not in BY_NAME[name].options:
            raise BadArguments(
                f"`{name}` has no option `{_quote(word)}`. Usage: `/postmortem {BY_NAME[name].usage}`"
            )
        value = next(items, None)
        if value is None:
            raise BadArguments(
                f"`{_quote(word)}` needs a value. Usage: `/postmortem {BY_NAME[name].usage}`"
            )
        options[key] = OPTION_PARSERS.get(key, str.strip)(value)
    return options, rest


def _quote(text: str) -> str:
    """Echo user input safely inside Slack code spans."""
    return escape(text.replace("`", "'"))[:60]
