"""`postmortem-bot sandbox say|reply|slash|react|click|submit|home|show`: a person's hands.

Thin clients of a running sandbox's `/_sandbox/` routes (`bot.sandbox.control`):
the sandbox holds the workspace in memory and delivers to the bot; these send
one request and print what came back. A problem (no sandbox, an unknown person,
no such button, the bot not answering) is a HandError: one line, exit status 2.
"""

from __future__ import annotations

import os
import shlex
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import httpx

from bot.errors import BotError
from bot.sandbox.observing import clock

DEFAULT_SANDBOX_URL = "http://127.0.0.1:4000"
TIMEOUT_SECONDS = 90.0  # the sandbox waits for the bot to go quiet (up to 20 s) first
Item = Mapping[str, Any]


class HandError(BotError):
    """The sandbox could not do it; the message is one line for the person."""


def act(sandbox_url: str, hand: str, args: Mapping[str, Any], out: TextIO) -> int:
    """Do `hand` (say, reply, slash, react, click, submit, home or show) and print the outcome."""
    if hand == "show":
        query = {k: args[k] for k in ("channel", "thread") if args.get(k)}
        answer = call(sandbox_url, "show", query, method="GET")
    else:
        answer = call(sandbox_url, "say" if hand == "reply" else hand, request_for(hand, args))
    try:
        if hand == "show":
            print_listing(answer, out, in_thread=bool(args.get("thread")))
        else:
            print_outcome(answer, out)
        out.flush()
    except BrokenPipeError:  # the reader left (`| head`): stop quietly, as Unix tools do
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def request_for(hand: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of `hand`'s request, from the parsed command line."""
    body: dict[str, Any] = {"as": args.get("person"), "channel": args.get("channel")}
    if hand in ("say", "reply", "slash"):
        body["text"] = args.get("text")
    if hand in ("say", "reply"):
        body["thread"] = args.get("thread") or args.get("ts")
    if hand == "react":
        body.update(ts=args.get("ts"), name=args.get("reaction"))
    if hand == "click":
        body.update(action_id=args.get("action_id"), value=args.get("value"))
    if hand == "submit":
        body["values"] = field_values(args.get("fields") or ())
    return {k: v for k, v in body.items() if v is not None}


def field_values(pairs: Sequence[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        field, equals, value = pair.partition("=")
        if not equals or not field:
            raise HandError(f"{pair!r} is not FIELD=VALUE")
        values[field] = value
    return values


def call(
    sandbox_url: str, route: str, payload: Mapping[str, Any], *, method: str = "POST"
) -> dict[str, Any]:
    """One request to the sandbox; its answer, or HandError with one line."""
    url = f"{sandbox_url.rstrip('/')}/_sandbox/{route}"
    try:
        if method == "GET":
            response = httpx.get(url, params=dict(payload), timeout=TIMEOUT_SECONDS)
        else:
            response = httpx.post(url, json=dict(payload), timeout=TIMEOUT_SECONDS)
    except httpx.ConnectError:
        raise HandError(
            f"no sandbox answers at {sandbox_url}; start one with `postmortem-bot sandbox` "
            "(or give --sandbox-url)"
        ) from None
    except httpx.TimeoutException:
        raise HandError(f"the sandbox at {sandbox_url} did not answer in time") from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise HandError(f"cannot reach a sandbox at {sandbox_url}: {error}") from None
    return _answer(sandbox_url, route, response)


def _answer(sandbox_url: str, route: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "ok" not in body:
        raise HandError(
            f"{sandbox_url} is not a postmortem-bot sandbox "
            f"(HTTP {response.status_code} for /_sandbox/{route})"
        )
    if not body["ok"]:
        raise HandError(" ".join(str(body.get("error") or "the sandbox refused").split()))
    return body


# -- printing -------------------------------------------------------------------


def print_outcome(answer: Mapping[str, Any], out: TextIO) -> None:
    done, bot = answer["done"], answer["bot"]
    where = f" (in thread {done['thread_ts']})" if done.get("thread_ts") else ""
    posted = f"  [ts {done['ts']}]" if "replies" in done else ""  # a message they posted
    print(f"{done['who']}: {done['text']}{where}{posted}", file=out)
    if bot.get("over") == "Socket Mode":
        print(f"  the bot acknowledged over Socket Mode in {bot['ms']} ms", file=out)
    else:
        print(f"  the bot answered HTTP {bot['status']} in {bot['ms']} ms", file=out)
    said = answer.get("said") or []
    if not said:
        print("  (the bot said nothing)", file=out)
    for item in said:
        for line in item_lines(item):
            print(f"  {line}".rstrip(), file=out)


def print_listing(answer: Mapping[str, Any], out: TextIO, *, in_thread: bool) -> None:
    where = "a thread in " if in_thread else ""
    print(f"{where}#{answer['name']} ({answer['channel']})", file=out)
    for item in answer["messages"]:
        for line in item_lines(item, in_thread=in_thread):
            print(line.rstrip(), file=out)
    if not answer["messages"]:
        print("(no messages)", file=out)


def item_lines(item: Item, *, in_thread: bool = False) -> list[str]:
    """A message as lines: ts, time, who and text, then its controls, files and reactions."""
    if item.get("modal") is not None:
        fields = [f"    {field}" for field in (item.get("text") or "").splitlines()]
        return [
            f"the bot opened a modal “{item['modal']}”, with the fields",
            *(fields or ["    (none)"]),
            "  fill it in: postmortem-bot sandbox submit --as NAME FIELD=VALUE ...",
        ]
    head = f"[{clock(item['ts'])}] {item['who']}: "
    if item.get("home"):
        head = f"(the Home tab of {item['private_to']}) {head}"
    elif item.get("private_to"):
        head = f"(only {item['private_to']} sees) {head}"
    else:
        head = f"{item['ts']}  {head}"
    lines = _text_lines(head, item.get("text") or "")
    lines += _notes(item, in_thread=in_thread)
    return lines


def _text_lines(head: str, text: str) -> list[str]:
    body = text.splitlines() or [""]
    return [head + body[0], *(textwrap.indent(line, " " * 8) for line in body[1:])]


def _notes(item: Item, *, in_thread: bool) -> list[str]:
    notes = []
    if item.get("thread_ts") and not in_thread:
        notes.append(f"in the thread of {item['thread_ts']}")
    if item.get("replies") and not in_thread:
        notes.append(f"{item['replies']} replies: show --thread {item['ts']}")
    if item.get("edited"):
        notes.append("edited")
    notes += [f"file {name}" for name in item.get("files") or []]
    notes += list(item.get("reactions") or [])
    lines = [f"        ({note})" for note in notes]
    lines += [f"        {_control_line(control)}" for control in item.get("controls") or []]
    return lines


def _control_line(control: Item) -> str:
    """A button or select, and the `click` that works it."""
    if control["type"] == "button":
        value = f" --value {shlex.quote(control['value'])}" if control["value"] else ""
        return f"[{control['label']}] click {control['action_id']}{value}"
    shown = f"[{control['label']} ▾] click {control['action_id']} --value "
    if control["type"] == "datepicker":
        return shown + "YYYY-MM-DD"
    if control["type"] == "users_select":
        return shown + "NAME"
    options = control["options"].replace(",", ", ")
    many = "V,V" if control["type"] == "checkboxes" else "V"
    return f"{shown}{many}  (V: {options})"
