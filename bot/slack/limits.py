"""Slack's size limits, applied to every message and view the bot sends: one mechanism.

Slack refuses a whole payload when one piece is over its limit (`invalid_blocks`,
`msg_too_long`, views: `invalid_arguments`), so nothing here is left to chance:
labels (header, button, option, placeholder, title) are shortened where they are
built (`label`); a message is fitted as a whole before it is sent (`fit_message`),
which shortens an over-long section with "…" and hands back the full text, for the
flow to post as a follow-up in the thread (`full_text_messages`, `post_in_thread`);
a view is fitted by `fit_view`.

The figures, from Slack's reference (api.slack.com/reference/block-kit/blocks,
/block-elements, /composition-objects; chat.postMessage's "Truncating content";
views.open's "view" argument):
- "You can include up to 50 blocks in each message, and 100 blocks in modals or
  Home tabs";
- section `text` "Maximum length for the text in this field is 3000 characters";
  `fields` "Maximum number of items is 10. Maximum length for the text in each item
  is 2000 characters";
- header `text` 150 characters; context: at most 10 elements;
- actions: "a maximum of 25 elements"; `block_id`, `action_id` 255;
- button `text` 75, `value` 2000; option `text` 75, `value` 150; placeholder 150;
- input `label` 2000, `hint` 2000;
- a modal's `title`, `submit`, `close` 24; `private_metadata` 3000;
- a message's top-level `text`: Slack truncates past 40,000 characters and
  answers `msg_too_long`;
- an uploaded image's `alt_txt` (files.getUploadURLExternal): 1,000 characters, else
  `alt_txt_too_large`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

Block = dict[str, Any]
Message = tuple[str, list[Block]]

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40_000
SECTION_TEXT = 3_000
FIELDS = 10
FIELD_TEXT = 2_000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
OPTION_TEXT = 75
OPTION_VALUE = 150
PLACEHOLDER = 150
INPUT_LABEL = 2_000
VIEW_TITLE = 24
PRIVATE_METADATA = 3_000
FILE_ALT_TEXT = 1_000

# What Slack answers a payload it will not take for its size or shape.
REFUSED = frozenset({"invalid_blocks", "msg_too_long", "invalid_arguments", "msg_blocks_too_long"})
ELLIPSIS = "…"
# A follow-up carrying a shortened text: its head, then the text in sections.
FULL_TEXT_HEAD = "The full text of the message above:"


def shorten(text: str, limit: int) -> str:
    """`text` if it fits, else its start (cut at a space when one is near) and "…".

    Never cuts inside Slack markup the bot or a person wrote (`<@U…>`, `<url|label>`)
    or an escape (`&amp;`), which would leave broken syntax behind."""
    if len(text) <= limit:
        return text
    return _cut(text, limit - len(ELLIPSIS)).rstrip() + ELLIPSIS


def label(text: str, limit: int = BUTTON_TEXT) -> str:
    """A plain_text label (button, option, header, placeholder, title) within `limit`."""
    return shorten(text, limit)


def pieces(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """`text` split into consecutive parts of at most `limit` characters, each cut at a
    line break or a space when one is near, none inside markup; together they are `text`."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        head = _cut(rest, limit)
        parts.append(head)
        rest = rest[len(head) :]
    if rest or not parts:
        parts.append(rest)
    return [part for part in parts if part.strip()] or [text[:limit]]


def sections(text: str) -> list[Block]:
    """`text` whole, as as many mrkdwn sections as it takes (3,000 characters each)."""
    return [_section(part) for part in pieces(text)]


@dataclass
class Fitted:
    """A message within Slack's limits, and the full texts that had to be shortened."""

    text: str
    blocks: list[Block]
    spilled: list[str] = field(default_factory=list)


def fit_message(text: str, blocks: Sequence[Block] | None) -> Fitted:
    """The message as Slack will take it: long sections shortened with "…" (their full
    text in `spilled`), long fields and headers shortened, at most 10 context elements,
    at most 50 blocks (the last saying how many were left out)."""
    spilled: list[str] = []
    fitted = [_fit_block(block, spilled) for block in blocks or []]
    if len(fitted) > MESSAGE_BLOCKS:
        left_out = len(fitted) - (MESSAGE_BLOCKS - 1)
        fitted = fitted[: MESSAGE_BLOCKS - 1]
        fitted.append(_context(f"…and {left_out} more blocks that do not fit in one message."))
    return Fitted(shorten(text, MESSAGE_TEXT), fitted, spilled)


def fit_view(view: dict[str, Any]) -> dict[str, Any]:
    """A modal or Home tab within Slack's limits (blocks, title, submit, close)."""
    fitted = dict(view)
    spilled: list[str] = []
    blocks = [_fit_block(block, spilled) for block in view.get("blocks") or []]
    fitted["blocks"] = blocks[:VIEW_BLOCKS]
    for name in ("title", "submit", "close"):
        if isinstance(view.get(name), dict):
            fitted[name] = dict(view[name], text=label(str(view[name].get("text", "")), VIEW_TITLE))
    return fitted


def within(text: str, blocks: Sequence[Block] | None) -> Message:
    """`fit_message` for a message whose full text lives elsewhere already (a list whose
    items are in the report, a redraw of a message that was whole when first posted)."""
    fitted = fit_message(text, blocks)
    return fitted.text, fitted.blocks


def full_text_messages(spilled: Sequence[str]) -> list[Message]:
    """Follow-ups that carry each shortened text whole, in sections of at most 3,000
    characters, as many messages as 50 blocks each take."""
    out: list[Message] = []
    for text in spilled:
        parts = sections(text)
        head = [_context(FULL_TEXT_HEAD)]
        room = MESSAGE_BLOCKS - 1
        for start in range(0, len(parts), room):
            chunk = parts[start : start + room]
            fallback = shorten(text, MESSAGE_TEXT)
            out.append((fallback, [*head, *chunk]))
            head = []
    return out


def post_in_thread(
    client: WebClient,
    channel: str,
    thread_ts: str | None,
    text: str,
    blocks: Sequence[Block] | None,
    **options: Any,
) -> str:
    """Post a fitted message (in `thread_ts`'s thread, if given), then the full text of
    whatever had to be shortened as replies in the same thread; returns the first ts."""
    fitted = fit_message(text, blocks)
    posted = client.chat_postMessage(
        channel=channel,
        thread_ts=thread_ts,
        text=fitted.text,
        blocks=fitted.blocks if blocks is not None else None,
        **options,
    )
    ts = str(posted["ts"])
    for more_text, more_blocks in full_text_messages(fitted.spilled):
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts or ts, text=more_text, blocks=more_blocks
        )
    return ts


def update(
    client: WebClient, channel: str, ts: str, text: str, blocks: Sequence[Block] | None
) -> None:
    """chat.update with the message fitted (a redraw: its full text was posted before)."""
    fitted = fit_message(text, blocks)
    client.chat_update(
        channel=channel,
        ts=ts,
        text=fitted.text,
        blocks=fitted.blocks if blocks is not None else None,
    )


def reply(respond: Callable[..., Any], *, once: bool = False, **message: Any) -> Any:
    """A `respond()` answer fitted; what had to be shortened follows whole in more answers
    of the same kind (never replacing the first), unless the answer is given `once` (an
    `ack()`, which answers one time only)."""
    text, blocks = message.pop("text", None), message.pop("blocks", None)
    if text is None and blocks is None:
        return respond(**message)
    fitted = fit_message(text or "", blocks)
    shown: dict[str, Any] = {"text": fitted.text} if text is not None else {}
    if blocks is not None:
        shown["blocks"] = fitted.blocks
    answer = respond(**shown, **message)
    kind = {k: message[k] for k in ("response_type",) if k in message}
    for more_text, more_blocks in [] if once else full_text_messages(fitted.spilled):
        respond(text=more_text, blocks=more_blocks, replace_original=False, **kind)
    return answer


def fitting(respond: Callable[..., Any], *, once: bool = False) -> Callable[..., Any]:
    """`respond` (Bolt's, or with `once` an ack that answers) with every answer passed
    through `reply`."""

    def fitted_respond(*args: Any, **message: Any) -> Any:
        if args:  # respond("text") as Bolt allows
            message = {"text": args[0], **message}
        return reply(respond, once=once, **message)

    return fitted_respond


# -- pieces -------------------------------------------------------------------------


def _fit_block(block: Block, spilled: list[str]) -> Block:
    kind = block.get("type")
    if kind == "section":
        return _fit_section(block, spilled)
    if kind == "header":
        return _with_text(block, "text", HEADER_TEXT)
    if kind == "context":
        elements = [_fit_text_object(e, SECTION_TEXT) for e in block.get("elements") or []][
            :CONTEXT_ELEMENTS
        ]
        return dict(block, elements=elements)
    if kind == "actions":
        return dict(block, elements=list(block.get("elements") or [])[:ACTIONS_ELEMENTS])
    return block


def _fit_section(block: Block, spilled: list[str]) -> Block:
    fitted = dict(block)
    text = block.get("text")
    if isinstance(text, dict) and len(str(text.get("text", ""))) > SECTION_TEXT:
        spilled.append(str(text["text"]))
        fitted["text"] = _fit_text_object(text, SECTION_TEXT)
    if block.get("fields"):
        fields = list(block["fields"])[:FIELDS]
        fitted["fields"] = [_fit_text_object(f, FIELD_TEXT) for f in fields]
    return fitted


def _with_text(block: Block, name: str, limit: int) -> Block:
    value = block.get(name)
    if not isinstance(value, dict):
        return block
    return dict(block, **{name: _fit_text_object(value, limit)})


def _fit_text_object(obj: Any, limit: int) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return obj
    return dict(obj, text=shorten(obj["text"], limit)) if len(obj["text"]) > limit else obj


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _cut(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` that ends at a break when one is in its
    last fifth, and never inside `<…>` or an `&…;` escape."""
    head = text[:limit]
    opened = head.rfind("<")
    if opened > head.rfind(">"):
        head = head[:opened] or head  # a link or mention that would be cut: leave it out
    amp = head.rfind("&")
    if amp > head.rfind(";") and len(head) - amp <= 8:
        head = head[:amp] or head
    if len(head) == len(text):
        return head
    floor = len(head) * 4 // 5
    for brk in ("\n", " "):
        at = head.rfind(brk)
        if at >= floor:
            return head[: at + 1]
    return head
