"""Slack message text as plain words for a report, and the people it names.

Answers and timeline lines are stored as Slack sent them: `<@U123>`, `<!channel>`,
`<https://…|label>`, with `&`, `<` and `>` as entities. A report is read outside
Slack, so mentions become names, broadcasts become inert words, and a link keeps
its address next to its label. Each renderer then escapes the plain words for its
own target.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

_MARKUP = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
# Timeline sources whose text is Slack's (messages, `/postmortem event` lines); PagerDuty's
# is plain words already, where a `<` is a `<`.
SLACK_SOURCES = frozenset({"slack", "manual"})


def to_plain(text: str, name_of: Callable[[str], str]) -> str:
    """`text` without Slack markup: "@Alice Ng", "@channel", "runbook (https://…)"."""

    def unwrap(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return "@" + name_of(target)
        if sigil == "#":
            return "#" + (label or target)
        if sigil == "!":
            return "@" + (label or target.split("^")[0]).lstrip("@")
        if label and label != target:
            return f"{label} ({target})"
        return target

    return html.unescape(_MARKUP.sub(unwrap, text))


def as_typed(text: str) -> str:
    """Slack text as the words its writer typed, without names: "@U0BOB", "@channel"."""
    return to_plain(text, lambda user_id: user_id)


def line_to_plain(source: str, text: str, name_of: Callable[[str], str]) -> str:
    """A timeline line's words: Slack's made plain (`to_plain`), anyone else's as they are."""
    return to_plain(text, name_of) if source in SLACK_SOURCES else text


def mentioned(texts: Iterable[str | None]) -> set[str]:
    """User ids mentioned in any of `texts`."""
    return {user for text in texts if text for user in _MENTION.findall(text)}


def is_user_id(value: str | None) -> bool:
    return bool(value and USER_ID.fullmatch(value))
